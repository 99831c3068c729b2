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

    /// Identifies a stored avatar's render exactly (the original's version, the render
    /// parameters and the pipeline version): an entity tag's opaque text, unquoted.
    public static func validator(_ record: AvatarRecord, _ parameters: RenderParameters) -> String {
        "\(record.version)-\(parameters.fingerprint)"
    }

    /// Identifies a drawing's render exactly: the kind and art version, the hash (for a
    /// drawing that depends on it) and the render parameters.
    public static func validator(_ kind: GeneratedDefault, _ hash: AvatarHash, _ parameters: RenderParameters) -> String {
        guard kind.dependsOnHash else { return "\(variant(kind))-\(parameters.fingerprint)" }
        return "\(variant(kind))-\(hash.value.prefix(16))-\(parameters.fingerprint)"
    }

    /// The render cache entry of the bytes, for what is rendered.
    var renderKey: RenderCacheKey? {
        switch self {
        case .avatar(let record, let parameters):
            RenderCacheKey(hash: record.hash, version: record.version, parameters: parameters.fingerprint)
        case .generated(let kind, let hash, let parameters):
            RenderCacheKey(
                hash: kind.dependsOnHash ? hash : .zeros, version: Self.variant(kind), parameters: parameters.fingerprint)
        case .redirect, .notFound: nil
        }
    }

    /// A default drawn from an unknown hash is cached only once asked for again: a flood of
    /// random hashes must not evict the renders people come back for.
    var cacheAdmission: CacheAdmission {
        if case .generated(let kind, _, _) = self, kind.dependsOnHash { return .whenAskedAgain }
        return .always
    }

    /// Names a default's drawing: the kind, the art version and, for initials, the letters.
    private static func variant(_ kind: GeneratedDefault) -> String {
        var variant = "default-\(kind.keyword)-a\(DefaultArt.version)"
        if case .initials(let letters) = kind { variant += "-" + OriginalVersion.of(Array(letters.utf8)) }
        return variant
    }
}
