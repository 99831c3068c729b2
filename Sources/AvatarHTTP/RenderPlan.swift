import AvatarCore
import AvatarService
import HTTPTypes
import NIOHTTP1
import RenderPipeline

/// How a render request for a stored avatar is answered: render parameters, ETag and
/// caching policy. Made in one place for the router and the cache-hit fast path, so both
/// answer alike.
struct RenderPlan {
    let record: AvatarRecord
    let parameters: RenderParameters
    let entityTag: String
    let cacheControl: String

    /// `nil` when the request gets the default image instead: `f=y`, or the avatar's
    /// rating is above the one the request accepts.
    init?(_ request: RenderRequest, record: AvatarRecord, pipeline: ImagePipeline, settings: HTTPSettings) {
        guard !request.forceDefault, record.rating <= request.rating else { return nil }
        self.record = record
        parameters = pipeline.parameters(size: request.size, format: request.format ?? record.format.defaultOutput)
        entityTag = RenderedAvatar.entityTag(record: record, parameters: parameters)
        cacheControl =
            request.version == record.version ? settings.cacheControl.versioned : settings.cacheControl.unversioned
    }

    /// Whether the client's copy is current, so a `304` with `validators` answers.
    func isNotModified(_ headers: HTTPFields) -> Bool {
        ConditionalRequest.isNotModified(headers, entityTag: entityTag, lastModified: record.updatedAt)
    }

    func isNotModified(_ headers: HTTPHeaders) -> Bool {
        ConditionalRequest.isNotModified(headers, entityTag: entityTag, lastModified: record.updatedAt)
    }

    var validators: HTTPFields {
        ResponseHeaders.validators(entityTag: entityTag, lastModified: record.updatedAt, cacheControl: cacheControl)
    }
}
