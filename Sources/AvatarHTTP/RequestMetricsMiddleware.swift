import CoreMetrics
import Hummingbird
import Synchronization

/// Counts requests by route and status and times them, on the application's own
/// metrics factory.
struct RequestMetricsMiddleware: RouterMiddleware {
    let factory: any MetricsFactory
    private let handles = Handles()

    init(factory: any MetricsFactory) {
        self.factory = factory
    }

    func handle(
        _ request: Request, context: AvatarRequestContext,
        next: (Request, AvatarRequestContext) async throws -> Response
    ) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let route = context.endpointPath ?? "unmatched"
        let (counter, timer) = handles.metrics(route: route, method: request.method.rawValue, status: response.status.code) {
            (
                Counter(
                    label: "avatars_http_requests_total",
                    dimensions: [("route", route), ("method", request.method.rawValue), ("status", String(response.status.code))],
                    factory: factory),
                Timer(label: "avatars_http_request_duration_seconds", dimensions: [("route", route)], factory: factory)
            )
        }
        counter.increment()
        let elapsed = ContinuousClock.now - start
        timer.recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        return response
    }

    /// The counter and timer of each route, method and status, made once: making them
    /// through the factory on every request costs a registry lookup under a lock.
    private final class Handles: Sendable {
        private struct Key: Hashable {
            let route: String
            let method: String
            let status: Int
        }

        private let made = Mutex<[Key: (Counter, Timer)]>([:])

        func metrics(route: String, method: String, status: Int, make: () -> (Counter, Timer)) -> (Counter, Timer) {
            let key = Key(route: route, method: method, status: status)
            if let found = made.withLock({ $0[key] }) { return found }
            let handles = make()
            made.withLock { $0[key] = handles }
            return handles
        }
    }
}
