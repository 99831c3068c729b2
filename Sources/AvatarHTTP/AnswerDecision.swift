import AvatarCore
import AvatarService
import Foundation
import HTTPTypes
import NIOCore

/// What a GET or HEAD of an avatar asks: the typed render request, whether it is a HEAD,
/// and its conditions.
struct AvatarQuestion: Sendable, Equatable {
    var request: RenderRequest
    var isHead: Bool
    var conditions: ConditionalRequest
}

/// The one place where an avatar answer is decided: status, validators, `304`,
/// `Cache-Control`, content headers, the common headers and `Server`, and HEAD without a
/// body. Pure: the router and the event loop each look up what it needs (the shown
/// image, then maybe its render) in their own way, and both get their answer from here.
struct AnswerDecision: Sendable {
    /// What a question needs next.
    enum Outcome: Equatable {
        case answer(AvatarAnswer)
        /// The shown image's bytes are needed: ask again with them.
        case needsRender
    }

    let settings: HTTPSettings
    let serverName: String
    /// The `Cache-Control` policy while records may lag.
    private let lagging: CacheControlPolicy

    init(settings: HTTPSettings, serverName: String) {
        self.settings = settings
        self.serverName = serverName
        lagging = settings.sharedMaxAgeWhileLagging.map(settings.cacheControl.sharedAtMost) ?? settings.cacheControl
    }

    /// The answer to `question` about `shown`, given its render when there is one, and
    /// whether the record it shows may lag the store's. Every answer names the hash as its
    /// cache key, so a purge of the hash reaches it.
    func decide(_ question: AvatarQuestion, shown: ShownImage, rendered: RenderedAvatar?, recordsMayLag: Bool) -> Outcome {
        let policy = recordsMayLag ? lagging : settings.cacheControl
        guard case .answer(var answer) = undecoratedDecision(question, shown: shown, rendered: rendered, policy: policy)
        else {
            return .needsRender
        }
        for name in settings.cacheKeyHeaders { answer.fields[name] = question.request.hash.value }
        if question.request.accepted != nil, case .avatar = shown { answer.fields[.vary] = "Accept" }
        return .answer(answer)
    }

    private func undecoratedDecision(
        _ question: AvatarQuestion, shown: ShownImage, rendered: RenderedAvatar?, policy: CacheControlPolicy
    ) -> Outcome {
        switch shown {
        case .notFound:
            var answer = ErrorResponse(.notFound).answer(cacheControl: policy, serverName: serverName)
            if question.isHead { answer.body = nil }
            return .answer(answer)
        case .redirect(let location):
            let fields: HTTPFields = [
                .location: location, .cacheControl: policy.missing, .contentLength: "0",
            ]
            return .answer(finished(.found, fields, body: nil, question))
        case .avatar(let record, let parameters):
            let freshness =
                question.request.version == record.version
                ? policy.versioned : policy.unversioned
            return image(
                question, entityTag: "\"\(ShownImage.validator(record, parameters))\"", lastModified: record.updatedAt,
                cacheControl: freshness, rendered: rendered)
        case .generated(let kind, let hash, let parameters):
            return image(
                question, entityTag: "\"\(ShownImage.validator(kind, hash, parameters))\"", lastModified: nil,
                cacheControl: policy.missing, rendered: rendered)
        }
    }

    /// An image's answer: `304` when the client's copy is current, else `200` once the
    /// render is at hand.
    private func image(
        _ question: AvatarQuestion, entityTag: String, lastModified: Date?, cacheControl: String,
        rendered: RenderedAvatar?
    ) -> Outcome {
        var fields: HTTPFields = [.eTag: entityTag, .cacheControl: cacheControl]
        if let lastModified { fields[.lastModified] = HTTPDate.format(lastModified) }
        if question.conditions.isNotModified(entityTag: entityTag, lastModified: lastModified) {
            return .answer(finished(.notModified, fields, body: nil, question))
        }
        guard let rendered else { return .needsRender }
        fields[.contentType] = rendered.contentType
        fields[Self.originCache] = rendered.source.rawValue
        fields[.contentLength] = String(rendered.bytes.readableBytes)
        return .answer(finished(.ok, fields, body: rendered.bytes, question))
    }

    /// `HIT` when the bytes came from this node's render cache, `MISS` when rendered now.
    static let originCache = HTTPField.Name("X-Origin-Cache")!

    /// The answer with the headers every response carries, and no body for a HEAD.
    private func finished(_ status: HTTPResponse.Status, _ fields: HTTPFields, body: ByteBuffer?, _ question: AvatarQuestion)
        -> AvatarAnswer
    {
        var fields = fields
        CommonHeaders.add(to: &fields, serverName: serverName)
        return AvatarAnswer(status: status, fields: fields, body: question.isHead ? nil : body)
    }
}
