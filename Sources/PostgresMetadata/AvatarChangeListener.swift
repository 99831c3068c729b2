import AvatarCore
import Logging
import PostgresNIO
import ServiceLifecycle

/// Listens for `avatars_changed` on a dedicated connection (`application_name`
/// `avatars-listener`; the pool has no listen API) and reports each changed hash. When
/// the connection drops it reports `listening(false)` and reconnects with backoff; each time
/// it listens (the first included) it reports `listening(true)`: notifications may have been
/// missed before.
public struct AvatarChangeListener: Service {
    public static let applicationName = "avatars-listener"

    let url: PostgresURL
    let changed: @Sendable (AvatarHash) -> Void
    let listening: @Sendable (Bool) -> Void
    let logger: Logger

    public init(
        url: PostgresURL, logger: Logger, changed: @escaping @Sendable (AvatarHash) -> Void,
        listening: @escaping @Sendable (Bool) -> Void
    ) {
        self.url = url
        self.changed = changed
        self.listening = listening
        self.logger = logger
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            var backoff = Duration.milliseconds(100)
            var listenedBefore = false
            while !Task.isCancelled {
                do {
                    let connection = try await PostgresConnection.connect(
                        configuration: url.connectionConfiguration(applicationName: Self.applicationName), id: 1,
                        logger: logger)
                    var failure: (any Error)?
                    do {
                        try await withTaskCancellationHandler {
                            try await connection.listen(on: PostgresAvatarIndex.channel) { notifications in
                                if listenedBefore { logger.notice("listening for avatar changes again") }
                                listenedBefore = true
                                listening(true)
                                backoff = .milliseconds(100)
                                for try await notification in notifications {
                                    // Another writer's payload is input like any other.
                                    if let hash = AvatarHash(notification.payload) { changed(hash) }
                                }
                            }
                        } onCancel: {
                            Task { try? await connection.close() }
                        }
                    } catch {
                        failure = error
                    }
                    listening(false)
                    // Closed on every path: postgres-nio requires it before a connection goes away.
                    try? await connection.close()
                    if let failure { throw failure }
                } catch {
                    if Task.isCancelled { break }
                    logger.warning(
                        "avatar change listener lost its connection; reconnecting",
                        metadata: ["error": "\(String(reflecting: error))", "retryIn": "\(backoff)"])
                }
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
            }
        }
    }
}
