import Foundation

/// The facts kept about one uploaded avatar; one record per hash.
public struct AvatarRecord: Sendable, Codable, Equatable {
    public var hash: String
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
        self.hash = hash.value
        self.version = version
        self.format = format
        self.width = width
        self.height = height
        self.bytes = bytes
        self.rating = rating
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
