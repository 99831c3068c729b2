import AvatarService
import Foundation
import HTTPTypes

/// The headers of image responses, built the same way by the router and by the cache-hit
/// fast path.
enum ResponseHeaders {
    /// `HIT` when the bytes came from this node's render cache, `MISS` when rendered now.
    static let originCache = HTTPField.Name("X-Origin-Cache")!
    static let contentTypeOptions = HTTPField.Name("X-Content-Type-Options")!

    /// What a `304` carries: the validators and the caching policy.
    static func validators(entityTag: String, lastModified: Date?, cacheControl: String) -> HTTPFields {
        var fields: HTTPFields = [.eTag: entityTag, .cacheControl: cacheControl]
        if let lastModified { fields[.lastModified] = HTTPDate.format(lastModified) }
        return fields
    }

    /// The validators plus the image's type and where it came from.
    static func image(_ rendered: RenderedAvatar, cacheControl: String) -> HTTPFields {
        var fields = validators(entityTag: rendered.entityTag, lastModified: rendered.lastModified, cacheControl: cacheControl)
        fields[.contentType] = rendered.contentType
        fields[originCache] = rendered.source.rawValue
        return fields
    }

    /// Headers every response carries: any site may embed avatars, and browsers must not
    /// second-guess the declared content type.
    static func addCommon(to fields: inout HTTPFields) {
        fields[.accessControlAllowOrigin] = "*"
        fields[contentTypeOptions] = "nosniff"
    }
}
