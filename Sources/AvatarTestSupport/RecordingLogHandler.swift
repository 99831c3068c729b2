import Logging
import NIOConcurrencyHelpers

/// A log handler that keeps every message, so tests can assert on what was logged.
public struct RecordingLogHandler: LogHandler {
    /// The messages logged so far, shared by every copy of the handler.
    public final class Records: Sendable {
        private let lines = NIOLockedValueBox<[(Logger.Level, String)]>([])

        public init() {}

        public var all: [(level: Logger.Level, message: String)] { lines.withLockedValue { $0.map { ($0.0, $0.1) } } }

        func append(_ level: Logger.Level, _ line: String) { lines.withLockedValue { $0.append((level, line)) } }
    }

    public let records: Records
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info

    public init(records: Records) {
        self.records = records
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let details = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        records.append(event.level, "\(event.message) \(details)")
    }
}
