/// An image format an original may have or a render may be encoded in.
///
/// Originals are any of these; `.heif` exists only as an original's format and is
/// rendered as AVIF (its family).
public enum ImageFormat: String, Sendable, Codable, CaseIterable {
    case jpeg
    case png
    case webp
    case gif
    case avif
    case heif

    /// Output formats a URL extension may ask for.
    public init?(fileExtension: some StringProtocol) {
        switch fileExtension.lowercased() {
        case "jpg", "jpeg": self = .jpeg
        case "png": self = .png
        case "webp": self = .webp
        case "avif": self = .avif
        case "gif": self = .gif
        default: return nil
        }
    }

    /// The format a render takes when the URL names none: the original's family.
    public var defaultOutput: ImageFormat {
        switch self {
        case .jpeg: .jpeg
        case .png, .gif: .png
        case .webp: .webp
        case .avif, .heif: .avif
        }
    }

    public var contentType: String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .webp: "image/webp"
        case .gif: "image/gif"
        case .avif: "image/avif"
        case .heif: "image/heif"
        }
    }

    /// Whether the encoding keeps an alpha channel; JPEG renders are flattened onto white.
    public var keepsAlpha: Bool { self != .jpeg }
}
