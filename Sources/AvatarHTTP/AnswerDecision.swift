import AvatarCore
import AvatarService
import Foundation
import HTTPTypes
import NIOCore
import RenderPipeline

/// What a GET or HEAD of an avatar asks: the typed render request, whether it is a HEAD,
/// and its conditions.
struct AvatarQuestion: Sendable, Equatable {
    var request: RenderRequest
    var isHead: Bool
    var conditions: ConditionalRequest
}

/// What a GET or HEAD of `/info/<hash>` asks: the hash, `v`, `r` and its conditions.
struct InfoQuestion: Sendable, Equatable {
    var hash: AvatarHash
    var version: String?
    var rating: Rating
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
        finished(status, fields, body: body, isHead: question.isHead)
    }

    private func finished(_ status: HTTPResponse.Status, _ fields: HTTPFields, body: ByteBuffer?, isHead: Bool)
        -> AvatarAnswer
    {
        var fields = fields
        CommonHeaders.add(to: &fields, serverName: serverName)
        return AvatarAnswer(status: status, fields: fields, body: isHead ? nil : body)
    }

    // MARK: Facts

    /// The answer to `question` about `record`'s facts, given their JSON once at hand: `404`
    /// for no record or one rated above the question's, `304` when the client's copy is
    /// current, else `200`. Freshness and keys follow the image answers' rules.
    func decide(info question: InfoQuestion, record: AvatarRecord?, body: ByteBuffer?, recordsMayLag: Bool) -> Outcome {
        let policy = recordsMayLag ? lagging : settings.cacheControl
        var answer: AvatarAnswer
        if let record, record.rating <= question.rating {
            let entityTag = "\"\(Self.infoValidator(record))\""
            var fields: HTTPFields = [
                .eTag: entityTag, .cacheControl: question.version == record.version ? policy.versioned : policy.unversioned,
                .lastModified: HTTPDate.format(record.updatedAt),
            ]
            if question.conditions.isNotModified(entityTag: entityTag, lastModified: record.updatedAt) {
                answer = finished(.notModified, fields, body: nil, isHead: question.isHead)
            } else {
                guard let body else { return .needsRender }
                fields[.contentType] = "application/json; charset=utf-8"
                fields[.contentLength] = String(body.readableBytes)
                answer = finished(.ok, fields, body: body, isHead: question.isHead)
            }
        } else {
            answer = ErrorResponse(.notFound).answer(cacheControl: policy, serverName: serverName)
            if question.isHead { answer.body = nil }
        }
        for name in settings.cacheKeyHeaders { answer.fields[name] = question.hash.value }
        return .answer(answer)
    }

    /// Names exactly what the facts say: the version (the image), when it was stored and its
    /// rating (a re-upload of the same image changes both), and the summary's encoding.
    static func infoValidator(_ record: AvatarRecord) -> String {
        let stored = Int64((record.updatedAt.timeIntervalSince1970 * 1000).rounded())
        return "\(record.version)-\(stored)-\(record.rating.rawValue)-\(ImageSummary.fingerprint)"
    }
}
