import AvatarCore

/// Everything a render depends on besides the original's bytes. Together with the
/// original's version it identifies a render's bytes exactly (ETag, cache key).
public struct RenderParameters: Hashable, Sendable {
    /// Bump when a change to the pipeline changes its output for the same input.
    public static let pipelineVersion = 2
    /// Sizes up to this are rendered from the original's `MasterImage`, larger ones from
    /// the original itself. Part of what a render's bytes depend on, hence fixed here.
    public static let masterSize = 512
    /// Names the master a pipeline version makes, for the cache.
    public static let masterFingerprint = "p\(pipelineVersion)-m\(masterSize)"

    /// Names, for the cache, the animated master whose frames are `side` pixels square.
    public static func animatedMasterFingerprint(side: Int) -> String { "p\(pipelineVersion)-am\(side)" }

    /// Width and height of the square, in pixels.
    public let size: Int
    public let format: ImageFormat
    public let quality: Int
    public let avifEffort: Int
    public let shape: AvatarShape
    /// Every frame kept (GIF and WebP output of an animated original), not the first.
    public var animated: Bool { animatedMasterSide != nil }
    /// The side of the animated master every frame is resampled from; `nil` for one frame.
    public let animatedMasterSide: Int?
    /// What transparency is flattened onto; `nil` for white, and for formats that keep
    /// transparency (where it changes no byte, so two spellings never make two entries).
    public let background: RGBColour?
    /// A compact, stable text naming these parameters and the pipeline version. Made once:
    /// every request uses it for both the ETag and the cache key. The square on white names
    /// nothing more, so its fingerprints are those made before shapes existed.
    public let fingerprint: String

    public init(
        size: Int, format: ImageFormat, quality: Int, avifEffort: Int, shape: AvatarShape = .square,
        background: RGBColour = .white, animatedMasterSide: Int? = nil
    ) {
        self.size = size
        self.format = format
        self.quality = quality
        self.avifEffort = avifEffort
        self.shape = shape
        self.animatedMasterSide = format == .gif || format == .webp ? animatedMasterSide : nil
        self.background = format.keepsAlpha || background == .white ? nil : background
        var fingerprint = "p\(Self.pipelineVersion)-s\(size)-\(format.rawValue)-q\(quality)-e\(avifEffort)"
        if shape != .square { fingerprint += "-\(shape.rawValue)" }
        if let side = self.animatedMasterSide { fingerprint += "-anim-m\(side)" }
        if let flattenedOnto = self.background { fingerprint += "-bg\(flattenedOnto.hex)" }
        self.fingerprint = fingerprint
    }

    /// Whether this render of `crop` is made from its master rather than the original: up
    /// to the master's size, and at any size when the master holds every pixel of a chosen
    /// square (so a tiny box never costs a decode of the whole original per size). The
    /// centre square keeps the rule it had before crops, so its renders stay byte for byte.
    public func rendersFromMaster(of crop: AvatarCrop) -> Bool {
        guard !animated else { return false }
        return size <= Self.masterSize || (crop.source != .centre && crop.size <= Self.masterSize)
    }
}
