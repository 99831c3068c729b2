import AsyncHTTPClient
import AvatarAuth
import Foundation
import AvatarCore
import AvatarHTTP
import AvatarMetadata
import AvatarService
import Hummingbird
import HummingbirdCore
import Logging
import OriginalStorage
import PostgresMetadata
import Prometheus
import Purges
import RenderCache
import RenderPipeline
import S3
import ServiceLifecycle

/// Wires a node from its configuration: stores, pipeline, tokens, metrics registry and
/// router, into a Hummingbird application.
public struct AvatarApplication {
    public let application: Application<RouterResponder<AvatarRequestContext>>
    public let tokens: UploadTokens
    /// Every route the router answers, as `METHOD /path` (`{name}` for parameters): what the
    /// API description must document.
    public let routes: [String]
    private let resources: Resources

    /// What must be closed after the server has drained.
    private struct Resources {
        let pipeline: ImagePipeline
        let cache: RenderCache
        let index: EmbeddedAvatarIndex?
        let stores: OriginalStores
        let handlers: NicedTaskExecutor
        /// The purge sender's, when purges are configured.
        let purgeClient: HTTPClient?
    }

    public init(config: AppConfig, logger: Logger) async throws {
        let keys = try config.tokenKeys()
        if case .generated(let path) = keys.source {
            logger.notice("using the generated upload token secret", metadata: ["path": "\(path)"])
        }
        for warning in keys.warnings { logger.warning("\(warning)") }
        logger.info("upload tokens are checked", metadata: ["kids": "\(keys.keys.map(\.id).joined(separator: ","))"])
        tokens = await UploadTokens(keys: keys.keys, leewaySeconds: config.authLeewaySeconds)

        let pipeline = try ImagePipeline(settings: config.pipeline, logger: logger)
        let stores = try OriginalStores(config: config, logger: logger)
        let originals = stores.originals
        let registry = PrometheusCollectorRegistry()
        let metricsFactory = PrometheusMetricsFactory(registry: registry)
        var (index, embedded, services, queue) = try await Self.metadata(config, logger: logger)
        var purgeClient: HTTPClient?
        var changed: @Sendable () -> Void = {}
        if !config.purge.targets.isEmpty {
            var configuration = HTTPClient.Configuration()
            // A purge target that redirects gets no second request: a signed body or an API
            // key never goes where the operator did not point it.
            configuration.redirectConfiguration = .disallow
            configuration.timeout = .init(connect: .seconds(2), read: .seconds(2))
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            let sender = PurgeSender(
                queue: queue, settings: config.purge, client: client, logger: logger, metricsFactory: metricsFactory)
            services.append(sender)
            changed = { sender.wake() }
            purgeClient = client
        }
        // The metadata and render-cache readers serve the handlers: they yield as the handlers do.
        var cacheSettings = config.cache
        cacheSettings.readerNiceness = config.http.handlerNiceness
        let cache = try RenderCache(settings: cacheSettings, metricsFactory: metricsFactory, logger: logger)
        let handlers = NicedTaskExecutor(
            threads: ProcessInfo.processInfo.activeProcessorCount, niceness: config.http.handlerNiceness)
        resources = Resources(
            pipeline: pipeline, cache: cache, index: embedded, stores: stores, handlers: handlers, purgeClient: purgeClient)

        let service = AvatarService(
            originals: originals, index: index, pipeline: pipeline, cache: cache,
            metrics: ServiceMetrics(factory: metricsFactory), logger: logger, changed: changed)
        let (router, server) = AvatarRouter.build(
            service: service, tokens: tokens, settings: config.http, registry: registry, metricsFactory: metricsFactory,
            handlers: handlers)
        routes = router.routes.map(\.description)
        if originals.isRemote {
            do {
                try await originals.checkReady()
            } catch {
                // Not fatal: the bucket may come back. /readyz fails until it does.
                logger.error("the original store is not reachable at start-up", metadata: ["error": "\(error)"])
            }
        }
        application = Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname(config.host, port: config.port), serverName: config.http.serverName),
            services: services, logger: logger)
    }

    /// The metadata index behind a per-node in-memory cache: the embedded store (which only
    /// this process writes, so saves and removes keep the cache exact), or PostgreSQL
    /// (migrated first), where change notifications keep it coherent. Also returns the
    /// background services the index needs running, and the store's pending purges.
    private static func metadata(_ config: AppConfig, logger: Logger) async throws
        -> (any AvatarIndex, EmbeddedAvatarIndex?, [any Service], any PurgeQueue)
    {
        guard let postgres = config.postgres else {
            let embedded = try EmbeddedAvatarIndex(
                path: config.metadataPath, readerNiceness: config.http.handlerNiceness, outbox: config.purge.outbox)
            return (CachedAvatarIndex(embedded, lifetime: .seconds(config.metadataCacheSeconds)), embedded, [], embedded)
        }
        try await Migrations.apply(url: postgres.url, logger: logger)
        let shared = PostgresAvatarIndex(
            url: postgres.url, maxConnections: postgres.maxConnections, timeout: postgres.timeout, logger: logger,
            outbox: config.purge.outbox)
        // A node keeping no records (metadata.cacheSeconds 0) cannot lag however its listener does.
        let cached = CachedAvatarIndex(
            shared, lifetime: .seconds(config.metadataCacheSeconds), othersWrite: config.metadataCacheSeconds > 0)
        let listener = AvatarChangeListener(url: postgres.url, logger: logger, changed: { cached.invalidate($0) }) { listening in
            // Records read before listening may have missed a change: dropped, then followed.
            if listening { cached.invalidateAll() }
            cached.followsChanges(listening)
        }
        return (cached, nil, [shared, listener], shared)
    }

    /// Serves until SIGTERM or SIGINT, lets in-flight requests finish, then closes the stores.
    public func run() async throws {
        do {
            try await application.runService()
        } catch {
            try? await close()
            throw error
        }
        try await close()
    }

    /// Closes the stores and thread pools; call once the server has stopped.
    public func close() async throws {
        do {
            try await resources.pipeline.shutdown()
            try await resources.cache.close()
            try await resources.index?.shutdown()
            try await resources.stores.close()
            try await resources.purgeClient?.shutdown()
        } catch {
            // The handlers' threads stop whatever else failed to close.
            try? await resources.handlers.shutdown()
            throw error
        }
        try await resources.handlers.shutdown()
    }
}
