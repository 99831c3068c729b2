import Foundation

/// The facts kept about one uploaded avatar; one record per hash.
public struct AvatarRecord: Sendable, Codable, Equatable {
    public var hash: AvatarHash
    /// Names what the avatar shows: the original and its square (`OriginalVersion.of(original:crop:)`);
    /// feeds every ETag and render key.
    public var version: String
    /// Content hash of the original's bytes; names the stored original.
    public var original: String
    /// The square of the upright original the avatar shows.
    public var crop: AvatarCrop
    public var format: ImageFormat
    /// Upright width and height of the original (after EXIF orientation).
    public var width: Int
    public var height: Int
    public var bytes: Int
    /// Frames of the original: more than 1 for an animation.
    public var frames: Int
    public var rating: Rating
    public var createdAt: Date
    public var updatedAt: Date

    /// `original` and `crop` default to what records made before crops existed hold: the
    /// original named by `version`, and its centre square.
    public init(
        hash: AvatarHash, version: String, original: String? = nil, crop: AvatarCrop? = nil, format: ImageFormat,
        width: Int, height: Int, bytes: Int, frames: Int = 1, rating: Rating, createdAt: Date, updatedAt: Date
    ) {
        self.hash = hash
        self.version = version
        self.original = original ?? version
        self.crop = crop ?? .centre(width: width, height: height)
        self.format = format
        self.width = width
        self.height = height
        self.bytes = bytes
        self.frames = max(1, frames)
        self.rating = rating
        self.createdAt = Self.milliseconds(createdAt)
        self.updatedAt = Self.milliseconds(updatedAt)
    }

    private enum CodingKeys: String, CodingKey {
        case hash, version, original, crop, format, width, height, bytes, frames, rating, createdAt, updatedAt
    }

    /// Reads records stored before crops existed too: they lack `original` and `crop`; and
    /// before frames were counted: those are taken as stills.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            hash: container.decode(AvatarHash.self, forKey: .hash),
            version: container.decode(String.self, forKey: .version),
            original: container.decodeIfPresent(String.self, forKey: .original),
            crop: container.decodeIfPresent(AvatarCrop.self, forKey: .crop),
            format: container.decode(ImageFormat.self, forKey: .format),
            width: container.decode(Int.self, forKey: .width),
            height: container.decode(Int.self, forKey: .height),
            bytes: container.decode(Int.self, forKey: .bytes),
            frames: container.decodeIfPresent(Int.self, forKey: .frames) ?? 1,
            rating: container.decode(Rating.self, forKey: .rating),
            createdAt: container.decode(Date.self, forKey: .createdAt),
            updatedAt: container.decode(Date.self, forKey: .updatedAt))
    }

    /// Whether the original is an animation that GIF and WebP output can keep.
    public var isAnimated: Bool { frames > 1 && (format == .gif || format == .webp) }

    /// Timestamps are kept to whole milliseconds, so that a record equals itself after a
    /// round trip through any store (JSON in LMDB, microseconds in PostgreSQL).
    public static func milliseconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
    }
}
