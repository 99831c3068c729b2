/// The square of the upright original (after EXIF orientation) that an avatar shows, in
/// that original's pixels, and what chose it. Decided once, when the avatar is uploaded or
/// re-cropped, and kept in its record, so every node renders the same square.
public struct AvatarCrop: Sendable, Codable, Hashable {
    /// What chose the square.
    public enum Source: String, Sendable, Codable {
        /// The uploader's own box.
        case user
        /// Faces found in the original.
        case faces
        /// libvips' attention smartcrop, for an `auto` crop that found no face.
        case attention
        /// The centre square: the crop of every avatar stored before crops existed.
        case centre
    }

    /// Left edge of the square.
    public let x: Int
    /// Top edge of the square.
    public let y: Int
    /// Side of the square.
    public let size: Int
    public let source: Source

    public init(x: Int, y: Int, size: Int, source: Source) {
        self.x = x
        self.y = y
        self.size = size
        self.source = source
    }

    /// The largest centred square of an upright `width` x `height` original.
    public static func centre(width: Int, height: Int) -> AvatarCrop {
        let side = min(width, height)
        return AvatarCrop(x: (width - side) / 2, y: (height - side) / 2, size: side, source: .centre)
    }

    /// Whether the square lies inside an upright `width` x `height` original.
    public func fits(width: Int, height: Int) -> Bool {
        x >= 0 && y >= 0 && size > 0 && x <= width - size && y <= height - size
    }
}
