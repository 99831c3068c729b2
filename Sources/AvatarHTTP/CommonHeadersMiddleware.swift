import HTTPTypes
import Hummingbird

/// Headers every response carries: any site may embed avatars, and browsers must not
/// second-guess the declared content type.
struct CommonHeadersMiddleware: RouterMiddleware {
    static let contentTypeOptions = HTTPField.Name("X-Content-Type-Options")!

    func handle(
        _ request: Request, context: AvatarRequestContext,
        next: (Request, AvatarRequestContext) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.accessControlAllowOrigin] = "*"
        response.headers[Self.contentTypeOptions] = "nosniff"
        return response
    }
}
