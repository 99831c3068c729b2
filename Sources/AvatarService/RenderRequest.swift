import AvatarCore
import DefaultAvatars

/// A GET or HEAD for an avatar, parsed and validated: the one typed form of every render
/// URL (`/<hash>[.ext]` and `/avatar/<hash>[.ext]`), which the HTTP layer makes and the
/// service answers.
public struct RenderRequest: Sendable, Equatable {
    public var hash: AvatarHash
    /// The format the URL's extension asks for; `nil` means the original's family.
    public var format: ImageFormat?
    /// Side of the square in pixels (`s` times `dpr`), already clamped to `images.maxSize`.
    public var size: Int
    /// The `v=` parameter, if any: a version the client expects.
    public var version: String?
    /// What to show when there is no avatar to show: `d` / `default`, else `images.default`.
    public var defaultImage: DefaultImage
    /// `f` / `forcedefault` = `y` or `yes`: answer with the default even for a known hash.
    public var forceDefault: Bool
    /// `r` / `rating`: the highest rating the page accepts.
    public var rating: Rating
    /// `shape`: the square, or the circle inscribed in it.
    public var shape: AvatarShape
    /// `bg`: what transparency (a circle's corners included) is flattened onto in formats
    /// without it.
    public var background: RGBColour
    /// What the client accepts, when the server negotiates formats (`images.negotiate`) and
    /// the URL names none; `nil` otherwise.
    public var accepted: AcceptedFormats?
    /// `anim`: whether an animated original's GIF and WebP output keeps every frame (`1`, the
    /// default) or only the first (`0`).
    public var animate: Bool

    /// A request with every part given; the HTTP layer parses one from a URL.
    public init(
        hash: AvatarHash, format: ImageFormat?, size: Int, version: String?, defaultImage: DefaultImage,
        forceDefault: Bool, rating: Rating, shape: AvatarShape = .square, background: RGBColour = .white,
        accepted: AcceptedFormats? = nil, animate: Bool = true
    ) {
        self.hash = hash
        self.format = format
        self.size = size
        self.version = version
        self.defaultImage = defaultImage
        self.forceDefault = forceDefault
        self.rating = rating
        self.shape = shape
        self.background = background
        self.accepted = format == nil ? accepted : nil
        self.animate = animate
    }

    /// The format `record`'s avatar is answered in: the URL's, else what `Accept` chose, else
    /// the original's family. An animation keeps its own family, or negotiates to animated
    /// WebP, else GIF (no AVIF encoder here keeps frames); asked still (`anim=0`), it
    /// negotiates as a still does.
    public func output(for record: AvatarRecord) -> ImageFormat {
        if let format { return format }
        if record.isAnimated {
            guard let accepted else { return record.format }
            return animate ? (accepted.webp ? .webp : .gif) : accepted.choice(for: record.format)
        }
        return accepted?.choice(for: record.format) ?? record.format.defaultOutput
    }
}
