import AvatarCore
import AvatarService
import DefaultAvatars
import Hummingbird

extension RenderRequest {
    /// Parses the path segment (`<hash>[.ext]`), the query and, when formats are negotiated,
    /// the `Accept` field values. Throws `.invalidHash` or `.invalidParameter`, never
    /// anything that becomes a 5xx.
    public init(name: some StringProtocol, query: Parameters, accept: [String], settings: HTTPSettings)
        throws(AvatarError)
    {
        let (hash, format) = try Self.parse(name: String(name))
        var defaultImage = settings.defaultImage
        if let value = query.get("d") ?? query.get("default") {
            do {
                defaultImage =
                    try DefaultImage.parse(value, initials: query.get("initials"), name: query.get("name"))
                    ?? settings.defaultImage
            } catch {
                throw .invalidParameter(name: "d", reason: error.reason)
            }
        }
        self.init(
            hash: hash, format: format,
            size: try Self.side(Self.size(query, settings: settings), dpr: query.get("dpr"), settings: settings),
            version: query.get("v"), defaultImage: defaultImage,
            forceDefault: (query.get("f") ?? query.get("forcedefault")).map { ["y", "yes"].contains($0.lowercased()) }
                ?? false,
            rating: try Self.rating(query.get("r") ?? query.get("rating")) ?? .g,
            shape: try Self.shape(query.get("shape")), background: try Self.background(query.get("bg")),
            accepted: settings.negotiate ? AcceptedFormats(accept: accept) : nil, animate: try Self.animate(query.get("anim")))
    }

    /// `anim`: `1` (the default) keeps an animation's frames, `0` keeps the first.
    static func animate(_ text: String?) throws(AvatarError) -> Bool {
        switch text {
        case nil, "1": return true
        case "0": return false
        default: throw .invalidParameter(name: "anim", reason: "anim must be 0 or 1")
        }
    }

    /// `shape`: `square` (the default) or `circle`.
    static func shape(_ text: String?) throws(AvatarError) -> AvatarShape {
        guard let text else { return .square }
        guard let shape = AvatarShape(rawValue: text) else {
            throw .invalidParameter(name: "shape", reason: "the shape must be square or circle")
        }
        return shape
    }

    /// `bg`: exactly six hex digits, without `#`; white when absent.
    static func background(_ text: String?) throws(AvatarError) -> RGBColour {
        guard let text else { return .white }
        guard let colour = RGBColour(hex: text) else {
            throw .invalidParameter(name: "bg", reason: "the background must be six hex digits, RRGGBB, without #")
        }
        return colour
    }

    /// The side in pixels: `size` times `dpr` (1 to 4, at most two decimals), rounded half
    /// up, then clamped to `images.maxSize`. In hundredths, so no float decides a size.
    static func side(_ size: Int, dpr text: String?, settings: HTTPSettings) throws(AvatarError) -> Int {
        guard let text else { return size }
        guard let hundredths = Self.hundredths(text), (100...400).contains(hundredths) else {
            throw .invalidParameter(name: "dpr", reason: "the density must be from 1 to 4 with at most two decimals")
        }
        // `size` is at most `images.maxSize` already, so the product cannot overflow.
        return min((size * hundredths + 50) / 100, settings.maxSize)
    }

    /// `1`, `1.5`, `2.25` as hundredths; `nil` for signs, exponents, a third decimal, a
    /// bare point or more than one digit before it.
    private static func hundredths(_ text: String) -> Int? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let digits = { (part: Substring) in part.utf8.allSatisfy { (0x30...0x39).contains($0) } }
        guard let whole = parts.first, whole.utf8.count == 1, digits(whole), let units = Int(whole) else { return nil }
        guard parts.count == 2 else { return units * 100 }
        let fraction = parts[1]
        guard (1...2).contains(fraction.utf8.count), digits(fraction), let value = Int(fraction) else { return nil }
        return units * 100 + (fraction.utf8.count == 1 ? value * 10 : value)
    }

    /// An `r` / `rating` value (on renders and uploads): `nil` when absent, `400` when not
    /// one of g, pg, r, x.
    static func rating(_ text: String?) throws(AvatarError) -> Rating? {
        guard let text else { return nil }
        guard let rating = Rating(parameter: text) else {
            throw .invalidParameter(name: "r", reason: "the rating must be one of g, pg, r, x")
        }
        return rating
    }

    /// An upload's or re-crop's `crop`: `nil` when absent.
    static func crop(_ text: String?) throws(AvatarError) -> CropChoice? {
        guard let text else { return nil }
        guard let choice = CropChoice(parsing: text) else {
            throw .invalidParameter(
                name: "crop", reason: "the crop must be auto, centre, or x,y,w,h as whole pixels with w and h above 0")
        }
        return choice
    }

    /// Gravatar's named sizes.
    static let namedSizes = ["small": 128, "medium": 256, "large": 512, "original": 1024]

    /// Splits `<hash>[.ext]`; the extension must name an output format.
    static func parse(name: String) throws(AvatarError) -> (AvatarHash, ImageFormat?) {
        guard let dot = name.utf8.firstIndex(of: UInt8(ascii: ".")) else {
            guard let hash = AvatarHash(name) else { throw .invalidHash }
            return (hash, nil)
        }
        guard let hash = AvatarHash(name[..<dot]) else { throw .invalidHash }
        guard let format = ImageFormat(fileExtension: name[name.utf8.index(after: dot)...]) else {
            throw .invalidParameter(
                name: "format", reason: "the extension must be one of jpg, jpeg, png, webp, avif, gif")
        }
        return (hash, format)
    }

    static func size(_ query: Parameters, settings: HTTPSettings) throws(AvatarError) -> Int {
        guard let text = query.get("s") ?? query.get("size") else { return settings.defaultSize }
        guard !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
            if let named = namedSizes[text.lowercased()] { return min(named, settings.maxSize) }
            throw .invalidParameter(name: "s", reason: "the size must be a whole number from 1 to \(settings.maxSize)")
        }
        // Digits too many for an Int are still a size above the maximum: clamp.
        let value = Int(text) ?? Int.max
        guard value >= 1 else {
            throw .invalidParameter(name: "s", reason: "the size must be a whole number from 1 to \(settings.maxSize)")
        }
        return min(value, settings.maxSize)
    }
}
