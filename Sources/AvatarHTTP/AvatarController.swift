import AvatarAuth
import AvatarCore
import AvatarMetadata
import AvatarService
import Foundation
import HTTPTypes
import Hummingbird

/// The avatar routes: render on GET (and HEAD), upload on PUT and POST, re-crop on PATCH, DELETE.
/// Each handler reads as the flow it serves: parse, authorise, call the service, respond.
struct AvatarController {
    let service: AvatarService
    let tokens: UploadTokens
    let settings: HTTPSettings
    let decision: AnswerDecision
    let metrics: RequestMetrics

    func addRoutes(to router: Router<AvatarRequestContext>) {
        for prefix in ["", "/avatar"] {
            let path = RouterPath("\(prefix)/{name}")
            router.get(path, use: get)
            router.head(path, use: get)
            router.put(path, use: upload)
            router.post(path, use: upload)
            router.patch(path, use: recrop)
            router.delete(path, use: delete)
        }
    }

    // MARK: Render

    /// A GET or HEAD: the shown image from the hash's record, then, unless the decision
    /// answers without them, its bytes.
    @Sendable func get(_ request: Request, context: AvatarRequestContext) async throws -> Response {
        let question = AvatarQuestion(
            request: try RenderRequest(
                name: try context.parameters.require("name"), query: request.uri.queryParameters,
                accept: settings.negotiate ? request.headers[values: .accept] : [], settings: settings),
            isHead: request.method == .head, conditions: ConditionalRequest(request.headers))
        // Asked on both sides of the read: a record read while changes were not followed lags.
        let laggedBefore = service.recordsMayLag
        let record = try await service.record(for: question.request.hash)
        let recordsMayLag = laggedBefore || service.recordsMayLag
        let shown = service.shown(question.request, record: record)
        var outcome = decision.decide(question, shown: shown, rendered: nil, recordsMayLag: recordsMayLag)
        if outcome == .needsRender {
            outcome = decision.decide(
                question, shown: shown, rendered: try await service.render(shown), recordsMayLag: recordsMayLag)
        }
        guard case .answer(let answer) = outcome else {
            throw AvatarError.internalFailure(reason: "no answer with the render at hand")
        }
        metrics.answeredByRouter()
        return answer.response
    }

    // MARK: Upload and delete

    @Sendable func upload(_ request: Request, context: AvatarRequestContext) async throws -> Response {
        let hash = try hash(context)
        var rating = try RenderRequest.rating(
            request.uri.queryParameters.get("r") ?? request.uri.queryParameters.get("rating"))
        var crop = try RenderRequest.crop(request.uri.queryParameters.get("crop"))
        // A token in the head is checked before a byte of the body is read: an
        // unauthenticated upload is refused at once, and the connection closes under it.
        let headerToken = Self.token(request)
        if let headerToken { try await tokens.authorize(headerToken, for: hash) }
        let tokens = tokens
        let formToken: (@Sendable (String) async throws(AvatarError) -> Void)? =
            headerToken == nil ? { @Sendable token async throws(AvatarError) in try await tokens.authorize(token, for: hash) } : nil
        let body = try await UploadBody.read(request, limit: context.maxUploadSize, formToken: formToken) {
            context.continueIfExpected(request)
        }
        if let formRating = body.rating { rating = try RenderRequest.rating(formRating) }
        if let formCrop = body.crop { crop = try RenderRequest.crop(formCrop) }

        let saved = try await service.upload(body.image, for: hash, rating: rating ?? .g, crop: crop)
        return try Self.saved(saved, status: saved.replaced == nil ? .created : .ok)
    }

    /// A PATCH: a new crop for the stored original, from the `crop` query parameter, form
    /// field or JSON member.
    @Sendable func recrop(_ request: Request, context: AvatarRequestContext) async throws -> Response {
        let hash = try hash(context)
        guard let token = Self.token(request) else { throw AvatarError.unauthorized(reason: "a token is required") }
        try await tokens.authorize(token, for: hash)
        var text = request.uri.queryParameters.get("crop")
        if text == nil {
            context.continueIfExpected(request)
            text = try await RecropBody.crop(request)
        }
        guard let crop = try RenderRequest.crop(text) else {
            throw AvatarError.invalidParameter(name: "crop", reason: "a re-crop needs a crop")
        }
        return try Self.saved(try await service.recrop(hash, to: crop), status: .ok)
    }

    /// The answer to a change that saved a record: the record as JSON, its versioned URL in `Location`.
    private static func saved(_ saved: SavedRecord, status: HTTPResponse.Status) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"]
        headers[.location] = "/\(saved.record.hash)?v=\(saved.record.version)"
        return Response(
            status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try UploadResult(saved.record).json())))
    }

    @Sendable func delete(_ request: Request, context: AvatarRequestContext) async throws -> Response {
        let hash = try hash(context)
        guard let token = Self.token(request) else {
            throw AvatarError.unauthorized(reason: "a token is required")
        }
        try await tokens.authorize(token, for: hash)
        guard try await service.delete(hash) else { throw AvatarError.notFound }
        return Response(status: .noContent, headers: [.cacheControl: "no-store"])
    }

    private func hash(_ context: AvatarRequestContext) throws -> AvatarHash {
        guard let hash = AvatarHash(try context.parameters.require("name")) else { throw AvatarError.invalidHash }
        return hash
    }

    /// The bearer token from `Authorization`, else the `token` query parameter.
    private static func token(_ request: Request) -> String? {
        if let authorization = request.headers[.authorization] {
            let parts = authorization.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
            return ""
        }
        return request.uri.queryParameters.get("token")
    }
}
