import Hummingbird

/// The request context of every route. Uploads read their bodies against
/// `images.maxUploadBytes`, not Hummingbird's 2 MiB default.
public struct AvatarRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var maxUploadSize: Int

    public init(source: Source) {
        coreContext = .init(source: source)
        maxUploadSize = 2 * 1024 * 1024
    }
}

/// Sets the upload limit on every request's context.
struct UploadLimitMiddleware: RouterMiddleware {
    let limit: Int

    func handle(
        _ request: Request, context: AvatarRequestContext,
        next: (Request, AvatarRequestContext) async throws -> Response
    ) async throws -> Response {
        var context = context
        context.maxUploadSize = limit
        return try await next(request, context)
    }
}
