import AvatarCore
import DefaultAvatars
import Foundation
import RenderCache
import RenderPipeline

/// What a render request shows, decided before anything is rendered: a stored avatar, a
/// generated default, a redirect or nothing. Everything an answer's validators depend on
/// is here, so a revalidation costs no render.
public enum ShownImage: Sendable, Equatable {
    /// The avatar `record` describes, rendered with the parameters.
    case avatar(AvatarRecord, RenderParameters)
    /// A drawing for the hash.
    case generated(GeneratedDefault, AvatarHash, RenderParameters)
    /// A `d` URL, never fetched.
    case redirect(String)
    /// No avatar and `d=404`.
    case notFound

    /// Identifies the bytes exactly (the original's version or the drawing, the render
    /// parameters and the pipeline version): an entity tag's opaque text, unquoted.
    public var validator: String? {
        switch self {
        case .avatar(let record, let parameters): "\(record.version)-\(parameters.fingerprint)"
        case .generated(let kind, let hash, let parameters):
            "\(Self.variant(kind))-\(hash.value.prefix(16))-\(parameters.fingerprint)"
        case .redirect, .notFound: nil
        }
    }

    /// When the original was uploaded; `nil` for anything but a stored avatar.
    public var lastModified: Date? {
        if case .avatar(let record, _) = self { return record.updatedAt }
        return nil
    }

    /// The render cache entry of the bytes, for what is rendered.
    var renderKey: RenderCacheKey? {
        switch self {
        case .avatar(let record, let parameters):
            RenderCacheKey(hash: record.hash, version: record.version, parameters: parameters.fingerprint)
        case .generated(let kind, let hash, let parameters):
            RenderCacheKey(hash: hash.value, version: Self.variant(kind), parameters: parameters.fingerprint)
        case .redirect, .notFound: nil
        }
    }

    /// Names a default's drawing: the kind, the art version and, for initials, the letters.
    private static func variant(_ kind: GeneratedDefault) -> String {
        var variant = "default-\(kind.keyword)-a\(DefaultArt.version)"
        if case .initials(let letters) = kind { variant += "-" + OriginalVersion.of(Array(letters.utf8)) }
        return variant
    }
}
