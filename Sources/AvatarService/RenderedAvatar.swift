import AvatarCore
import Foundation
import NIOCore
import RenderPipeline

/// A render ready to send, with what HTTP validators need and where it came from.
public struct RenderedAvatar: Sendable {
    /// Whether the bytes came from this node's render cache or from a render just made.
    public enum Source: String, Sendable {
        case cache = "HIT"
        case render = "MISS"
    }

    public let bytes: ByteBuffer
    public let contentType: String
    /// Strong validator: the original's version, the render parameters and the pipeline version.
    public let entityTag: String
    /// When the original was uploaded; `nil` for generated defaults.
    public let lastModified: Date?
    public let source: Source

    /// The ETag of a render, known before rendering so conditional requests cost nothing.
    public static func entityTag(record: AvatarRecord, parameters: RenderParameters) -> String {
        "\"\(record.version)-\(parameters.fingerprint)\""
    }
}
