import Hummingbird
import NIOCore

/// The request context of every route. Uploads read their bodies against
/// `images.maxUploadBytes`, not Hummingbird's 2 MiB default.
public struct AvatarRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var maxUploadSize: Int
    /// The connection, for what a route tells it below Hummingbird (`100 Continue`).
    let channel: any Channel

    public init(source: Source) {
        coreContext = .init(source: source)
        maxUploadSize = 2 * 1024 * 1024
        channel = source.channel
    }

    /// Sends `100 Continue` when the request asked for it (`Expect: 100-continue`): call
    /// once the route has decided to read the body, so a refused one never gets it.
    func continueIfExpected(_ request: Request) {
        guard request.headers[.expect]?.lowercased() == "100-continue" else { return }
        channel.triggerUserOutboundEvent(AvatarConnectionHandler.SendContinue(), promise: nil)
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
