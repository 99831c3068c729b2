import AvatarAuth
import AvatarService
import Hummingbird
import HummingbirdCore
import Logging
import Prometheus

/// Builds the HTTP side of a node: the router (middleware from the outside in: metrics,
/// common headers, errors, upload limit; then the operational and avatar routes) and the
/// connections' channel, whose event-loop answers come from the same `AnswerDecision` and
/// whose handlers run on `handlers` (`NicedTaskExecutor`).
public enum AvatarRouter {
    public static func build(
        service: AvatarService, tokens: UploadTokens, settings: HTTPSettings, registry: PrometheusCollectorRegistry,
        metricsFactory: PrometheusMetricsFactory, handlers: any TaskExecutor
    ) -> (router: Router<AvatarRequestContext>, server: HTTPServerBuilder) {
        let metrics = RequestMetrics(factory: metricsFactory)
        let decision = AnswerDecision(settings: settings, serverName: settings.serverName)
        let router = Router(context: AvatarRequestContext.self)
        router.add(middleware: RequestMetricsMiddleware(metrics: metrics))
        router.add(middleware: CommonHeadersMiddleware(serverName: settings.serverName))
        router.add(middleware: ErrorMiddleware(cacheControl: settings.cacheControl))
        router.add(middleware: UploadLimitMiddleware(limit: settings.maxUploadBytes))
        HealthController(service: service, registry: registry, requests: metrics).addRoutes(to: router)
        APIDescriptionController().addRoutes(to: router)
        UIController(settings: settings).addRoutes(to: router)
        InfoController(service: service, decision: decision, metrics: metrics).addRoutes(to: router)
        AvatarController(service: service, tokens: tokens, settings: settings, decision: decision, metrics: metrics)
            .addRoutes(to: router)
        let answers = EventLoopAnswers(service: service, decision: decision, settings: settings, metrics: metrics)
        let limit = ConnectionLimit(maximum: settings.connections.maxConnections)
        let server = HTTPServerBuilder { responder in
            AvatarHTTPChannel(responder: responder, answers: answers, limit: limit, handlers: handlers)
        }
        return (router, server)
    }
}
