import Foundation

/// One object named by a bucket listing.
public struct S3Object: Sendable, Hashable {
    public let key: String
    /// When the object was last written, or `nil` when the listing gave no readable time.
    public let lastModified: Date?

    public init(key: String, lastModified: Date?) {
        self.key = key
        self.lastModified = lastModified
    }

    /// The object a listing's `<Contents>` element describes, or `nil` without a `<Key>`.
    init?(listed contents: Substring) {
        guard let key = S3XML.values(of: "Key", in: contents).first else { return nil }
        self.init(key: key, lastModified: S3XML.values(of: "LastModified", in: contents).first.flatMap(Self.time))
    }

    /// ISO 8601 as S3 writes it (`2026-12-01T15:00:00.000Z`), with or without fractions.
    static func time(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
