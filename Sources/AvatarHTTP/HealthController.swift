import AvatarCore
import AvatarService
import Hummingbird
import Prometheus

/// Operational endpoints: liveness, readiness (every store reachable) and metrics.
struct HealthController {
    let service: AvatarService
    let registry: PrometheusCollectorRegistry
    /// Its event loops' batches are handed on before each scrape, which then counts every
    /// request answered before it.
    let requests: RequestMetrics

    func addRoutes(to router: Router<AvatarRequestContext>) {
        router.get("/healthz") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                     body: .init(byteBuffer: ByteBuffer(string: #"{"status":"up"}"#)))
        }
        router.get("/readyz") { _, _ in
            try await service.checkReady()
            return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ready"}"#)))
        }
        router.get("/metrics") { _, _ in
            requests.handOnBatches()
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
    }
}
