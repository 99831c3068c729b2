import AvatarAuth
import AvatarCore
import AvatarMetadata
import AvatarService
import DefaultAvatars
import Foundation
import HTTPTypes
import Hummingbird
import RenderPipeline

/// The avatar routes: render on GET (and HEAD), upload on PUT and POST, DELETE.
/// Each handler reads as the flow it serves: parse, authorise, call the service, respond.
struct AvatarController {
    let service: AvatarService
    let tokens: UploadTokens
    let settings: HTTPSettings

    func addRoutes(to router: Router<AvatarRequestContext>) {
        for prefix in ["", "/avatar"] {
            let path = RouterPath("\(prefix)/{name}")
            router.get(path, use: get)
            router.head(path) { request, context in try await get(request, context: context).createHeadResponse() }
            router.put(path, use: upload)
            router.post(path, use: upload)
            router.delete(path, use: delete)
        }
    }

    // MARK: Render

    @Sendable func get(_ request: Request, context: AvatarRequestContext) async throws -> Response {
        let renderRequest = try RenderRequest(
            name: try context.parameters.require("name"), query: request.uri.queryParameters, settings: settings)
        guard let record = try await service.record(for: renderRequest.hash),
            let plan = RenderPlan(renderRequest, record: record, pipeline: service.pipeline, settings: settings)
        else {
            return try await defaultResponse(renderRequest, headers: request.headers)
        }
        if plan.isNotModified(request.headers) {
            return Response(status: .notModified, headers: plan.validators)
        }
        let rendered = try await service.render(record, parameters: plan.parameters)
        return imageResponse(rendered, cacheControl: plan.cacheControl)
    }

    /// What a request gets when there is no avatar to show it (unknown hash, rating above
    /// the request's, or `f=y`): the one place that decides, from `d` or `images.default`.
    private func defaultResponse(_ request: RenderRequest, headers: HTTPFields) async throws -> Response {
        switch request.defaultImage ?? settings.defaultImage {
        case .notFound:
            throw AvatarError.notFound
        case .redirect(let location):
            return Response(
                status: .found, headers: [.location: location, .cacheControl: settings.cacheControl.missing])
        case .generated(let kind):
            let parameters = service.pipeline.parameters(size: request.size, format: request.format ?? .png)
            let entityTag = AvatarService.defaultEntityTag(kind, for: request.hash, parameters: parameters)
            if ConditionalRequest.isNotModified(headers, entityTag: entityTag, lastModified: nil) {
                return Response(
                    status: .notModified,
                    headers: ResponseHeaders.validators(
                        entityTag: entityTag, lastModified: nil, cacheControl: settings.cacheControl.missing))
            }
            let rendered = try await service.renderDefault(kind, for: request.hash, parameters: parameters)
            return imageResponse(rendered, cacheControl: settings.cacheControl.missing)
        }
    }

    private func imageResponse(_ rendered: RenderedAvatar, cacheControl: String) -> Response {
        Response(
            status: .ok, headers: ResponseHeaders.image(rendered, cacheControl: cacheControl),
            body: .init(byteBuffer: rendered.bytes))
    }

    // MARK: Upload and delete

    @Sendable func upload(_ request: Request, context: AvatarRequestContext) async throws -> Response {
        let hash = try hash(context)
        var rating = try RenderRequest.rating(
            request.uri.queryParameters.get("r") ?? request.uri.queryParameters.get("rating"))
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > settings.maxUploadBytes {
            throw AvatarError.payloadTooLarge(limit: settings.maxUploadBytes)
        }
        let headerToken = Self.token(request)
        if let headerToken { try await tokens.authorize(headerToken, for: hash) }
        let body = try await UploadBody.read(request, limit: context.maxUploadSize)
        if headerToken == nil {
            guard let formToken = body.token else { throw AvatarError.unauthorized(reason: "an upload token is required") }
            try await tokens.authorize(formToken, for: hash)
        }
        if let formRating = body.rating { rating = try RenderRequest.rating(formRating) }

        let saved = try await service.upload(body.image, for: hash, rating: rating ?? .g)
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"]
        headers[.location] = "/\(saved.record.hash)?v=\(saved.record.version)"
        return Response(
            status: saved.replaced == nil ? .created : .ok, headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: try UploadResult(saved.record).json())))
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
