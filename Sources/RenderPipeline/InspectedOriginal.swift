import AvatarCore

/// What an accepted upload turned out to be.
public struct InspectedOriginal: Sendable, Equatable {
    public let format: ImageFormat
    /// Displayed width and height (after EXIF rotation).
    public let width: Int
    public let height: Int
    public let frames: Int

    public init(format: ImageFormat, width: Int, height: Int, frames: Int = 1) {
        self.format = format
        self.width = width
        self.height = height
        self.frames = frames
    }
}

/// An encoded render.
public struct RenderedImage: Sendable {
    public let bytes: [UInt8]
    public let format: ImageFormat
}
