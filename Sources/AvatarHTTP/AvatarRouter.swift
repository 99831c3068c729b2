import AvatarAuth
import AvatarService
import Hummingbird
import Prometheus

/// Builds the router: middleware from the outside in (metrics, common headers, errors,
/// upload limit), then the operational and avatar routes; and the `CacheHitResponder`
/// that answers cache hits before they reach it.
public enum AvatarRouter {
    public static func build(
        service: AvatarService, tokens: UploadTokens, settings: HTTPSettings, registry: PrometheusCollectorRegistry,
        metricsFactory: PrometheusMetricsFactory, serverName: String
    ) -> (router: Router<AvatarRequestContext>, cacheHits: CacheHitResponder) {
        let metrics = RequestMetrics(factory: metricsFactory)
        let router = Router(context: AvatarRequestContext.self)
        router.add(middleware: RequestMetricsMiddleware(metrics: metrics))
        router.add(middleware: CommonHeadersMiddleware())
        router.add(middleware: ErrorMiddleware(cacheControl: settings.cacheControl))
        router.add(middleware: UploadLimitMiddleware(limit: settings.maxUploadBytes))
        HealthController(service: service, registry: registry).addRoutes(to: router)
        AvatarController(service: service, tokens: tokens, settings: settings).addRoutes(to: router)
        return (router, CacheHitResponder(service: service, settings: settings, metrics: metrics, serverName: serverName))
    }
}
