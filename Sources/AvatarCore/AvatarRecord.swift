import Foundation

/// The facts kept about one uploaded avatar; one record per hash.
public struct AvatarRecord: Sendable, Codable, Equatable {
    public var hash: AvatarHash
    /// Content hash of the original's bytes; names the stored original and feeds every ETag.
    public var version: String
    public var format: ImageFormat
    public var width: Int
    public var height: Int
    public var bytes: Int
    public var rating: Rating
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        hash: AvatarHash, version: String, format: ImageFormat, width: Int, height: Int, bytes: Int,
        rating: Rating, createdAt: Date, updatedAt: Date
    ) {
        self.hash = hash
        self.version = version
        self.format = format
        self.width = width
        self.height = height
        self.bytes = bytes
        self.rating = rating
        self.createdAt = Self.milliseconds(createdAt)
        self.updatedAt = Self.milliseconds(updatedAt)
    }

    /// Timestamps are kept to whole milliseconds, so that a record equals itself after a
    /// round trip through any store (JSON in LMDB, microseconds in PostgreSQL).
    public static func milliseconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
    }
}
