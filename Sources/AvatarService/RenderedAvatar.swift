import NIOCore

/// A render ready to send, and where it came from.
public struct RenderedAvatar: Sendable, Equatable {
    /// Whether the bytes came from this node's render cache or from a render just made.
    public enum Source: String, Sendable {
        case cache = "HIT"
        case render = "MISS"
    }

    public let bytes: ByteBuffer
    public let contentType: String
    public let source: Source

    public init(bytes: ByteBuffer, contentType: String, source: Source) {
        self.bytes = bytes
        self.contentType = contentType
        self.source = source
    }
}
