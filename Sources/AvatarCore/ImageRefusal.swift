/// Why an upload in an accepted format was refused (`422`). Each reason has a fixed
/// message: what a client reads never carries a decoder's text, which in libvips is a
/// process-wide buffer that may hold another request's words.
public enum ImageRefusal: Sendable, Equatable {
    /// The bytes do not decode as the format they start as (truncated, corrupt, or another
    /// format behind the first one's magic bytes).
    case undecodable(ImageFormat)
    /// Width x height (of a frame) over `images.maxPixels`.
    case tooManyPixels(limit: Int)
    /// More frames than `images.maxFrames`.
    case tooManyFrames(limit: Int)
    /// Frames x width x height over `images.maxAnimationPixels`.
    case tooManyAnimationPixels(limit: Int)
    /// A JPEG with more scans than a real progressive JPEG has.
    case tooManyScans(limit: Int)
    /// The decode did not finish within `images.renderTimeoutSeconds`.
    case decodeTooSlow(seconds: Double)

    /// What the client is told.
    public var message: String {
        switch self {
        case .undecodable(let format): "the image does not decode as \(format.rawValue)"
        case .tooManyPixels(let limit): "the image has more than the \(limit) pixels allowed"
        case .tooManyFrames(let limit): "the animation has more than the \(limit) frames allowed"
        case .tooManyAnimationPixels(let limit): "the animation has more than the \(limit) pixels allowed over all its frames"
        case .tooManyScans(let limit): "the JPEG has more than the \(limit) scans allowed"
        case .decodeTooSlow(let seconds): "the image did not decode within \(seconds) seconds"
        }
    }
}
