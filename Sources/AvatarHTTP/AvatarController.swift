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

    /// `HIT` when the bytes came from this node's render cache, `MISS` when rendered now.
    static let originCache = HTTPField.Name("X-Origin-Cache")!

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
        guard let record = try await service.record(for: renderRequest.hash), !renderRequest.forceDefault,
            record.rating <= renderRequest.rating
        else {
            return try await defaultResponse(renderRequest, headers: request.headers)
        }
        let parameters = service.pipeline.parameters(
            size: renderRequest.size, format: renderRequest.format ?? record.format.defaultOutput)
        let cacheControl =
            renderRequest.version == record.version ? settings.cacheControl.versioned : settings.cacheControl.unversioned
        let entityTag = RenderedAvatar.entityTag(record: record, parameters: parameters)
        if ConditionalRequest.isNotModified(request.headers, entityTag: entityTag, lastModified: record.updatedAt) {
            return Response(
                status: .notModified,
                headers: validators(entityTag: entityTag, lastModified: record.updatedAt, cacheControl: cacheControl))
        }
        let rendered = try await service.render(record, parameters: parameters)
        return imageResponse(rendered, cacheControl: cacheControl)
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
                    headers: validators(entityTag: entityTag, lastModified: nil, cacheControl: settings.cacheControl.missing))
            }
            let rendered = try await service.renderDefault(kind, for: request.hash, parameters: parameters)
            return imageResponse(rendered, cacheControl: settings.cacheControl.missing)
        }
    }

    private func imageResponse(_ rendered: RenderedAvatar, cacheControl: String) -> Response {
        var headers = validators(entityTag: rendered.entityTag, lastModified: rendered.lastModified, cacheControl: cacheControl)
        headers[.contentType] = rendered.contentType
        headers[Self.originCache] = rendered.source.rawValue
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: rendered.bytes))
    }

    private func validators(entityTag: String, lastModified: Date?, cacheControl: String) -> HTTPFields {
        var fields: HTTPFields = [.eTag: entityTag, .cacheControl: cacheControl]
        if let lastModified { fields[.lastModified] = HTTPDate.format(lastModified) }
        return fields
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
