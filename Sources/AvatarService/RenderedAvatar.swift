import NIOCore

/// A render ready to send, and where it came from.
public struct RenderedAvatar: Sendable, Equatable {
    /// Whether the bytes came from this node's render cache or from a render just made.
    public enum Source: String, Sendable {
        case cache = "HIT"
        case render = "MISS"
    }

    /// The encoded image.
    public let bytes: ByteBuffer
    /// Its media type, from the format it was encoded in.
    public let contentType: String
    public let source: Source

    /// A render of `bytes` in `contentType`, from `source`.
    public init(bytes: ByteBuffer, contentType: String, source: Source) {
        self.bytes = bytes
        self.contentType = contentType
        self.source = source
    }
}
