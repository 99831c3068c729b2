import HTTPTypes
import Hummingbird

/// Adds `ResponseHeaders.addCommon`'s headers to every response of the router.
struct CommonHeadersMiddleware: RouterMiddleware {
    func handle(
        _ request: Request, context: AvatarRequestContext,
        next: (Request, AvatarRequestContext) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        ResponseHeaders.addCommon(to: &response.headers)
        return response
    }
}
