import Foundation
import NIOConcurrencyHelpers

/// The counts of a running import, and how they read: a bar redrawn in place on a terminal,
/// plain lines elsewhere (a log, CI).
public final class ImportProgress: Sendable {
    /// What became of one entry.
    public enum Outcome: Sendable, Equatable {
        case imported
        /// Its key already held the same bytes.
        case skipped
        case failed(reason: String)
    }

    /// A moment's counts.
    public struct Counts: Sendable, Equatable {
        public var total = 0
        public var imported = 0
        public var skipped = 0
        public var failed = 0
        public var done: Int { imported + skipped + failed }
    }

    private let counts: NIOLockedValueBox<Counts>
    private let started: ContinuousClock.Instant

    public init(total: Int, started: ContinuousClock.Instant = .now) {
        counts = NIOLockedValueBox(Counts(total: total))
        self.started = started
    }

    public func record(_ outcome: Outcome) {
        counts.withLockedValue { counts in
            switch outcome {
            case .imported: counts.imported += 1
            case .skipped: counts.skipped += 1
            case .failed: counts.failed += 1
            }
        }
    }

    public var now: Counts { counts.withLockedValue { $0 } }

    /// Seconds since the import started.
    public var elapsed: Double {
        let parts = (ContinuousClock.now - started).components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    /// The progress line for `counts` after `seconds`: with a bar for a terminal.
    public static func line(_ counts: Counts, seconds: Double, bar: Bool) -> String {
        let rate = seconds > 0 ? Double(counts.done) / seconds : 0
        let left = max(0, counts.total - counts.done)
        let eta = rate > 0 ? "\(Int((Double(left) / rate).rounded(.up))) s" : "?"
        let figures = "\(counts.done)/\(counts.total)  \(String(format: "%.1f", rate)) files/s  ETA \(eta)  \(counts.failed) failed"
        guard bar else {
            return "import: \(counts.done)/\(counts.total) done (\(counts.imported) imported, \(counts.skipped) skipped, "
                + "\(counts.failed) failed), \(String(format: "%.1f", rate)) files/s, ETA \(eta)"
        }
        let width = 30
        let filled = counts.total > 0 ? min(width, counts.done * width / counts.total) : width
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] " + figures
    }
}
