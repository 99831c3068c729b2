import Hummingbird

/// Records every request the router answers in `RequestMetrics`.
struct RequestMetricsMiddleware: RouterMiddleware {
    let metrics: RequestMetrics

    func handle(
        _ request: Request, context: AvatarRequestContext,
        next: (Request, AvatarRequestContext) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        metrics.record(
            route: context.endpointPath ?? "unmatched", method: request.method.rawValue, status: response.status.code,
            since: start)
        return response
    }
}
