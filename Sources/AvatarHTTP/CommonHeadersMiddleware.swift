import HTTPTypes
import Hummingbird

/// Adds `CommonHeaders` to every response of the router.
struct CommonHeadersMiddleware: RouterMiddleware {
    let serverName: String

    func handle(
        _ request: Request, context: AvatarRequestContext,
        next: (Request, AvatarRequestContext) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        CommonHeaders.add(to: &response.headers, serverName: serverName)
        return response
    }
}
