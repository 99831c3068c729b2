import AvatarCore
import Foundation
import RenderPipeline

/// A render ready to send, with what HTTP validators need.
public struct RenderedAvatar: Sendable {
    public let bytes: [UInt8]
    public let format: ImageFormat
    /// Strong validator: the original's version, the render parameters and the pipeline version.
    public let entityTag: String
    /// When the original was uploaded.
    public let lastModified: Date

    public init(image: RenderedImage, record: AvatarRecord, parameters: RenderParameters) {
        self.bytes = image.bytes
        self.format = image.format
        self.entityTag = Self.entityTag(record: record, parameters: parameters)
        self.lastModified = record.updatedAt
    }

    /// The ETag of a render, known before rendering so conditional requests cost nothing.
    public static func entityTag(record: AvatarRecord, parameters: RenderParameters) -> String {
        "\"\(record.version)-\(parameters.fingerprint)\""
    }
}
