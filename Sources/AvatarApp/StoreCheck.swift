import AvatarCore
import AvatarMetadata
import AvatarService
import Foundation
import Logging
import PostgresMetadata
import RenderCache

/// `avatars check`: opens a node's metadata and original store from its configuration (no
/// server, no render cache, no migrations) and runs `ConsistencyCheck` over them. Safe while
/// servers run on the same stores.
public enum StoreCheck {
    public static func run(config: AppConfig, repair: Bool, minAge: TimeInterval, logger: Logger) async throws
        -> ConsistencyReport
    {
        let stores = try OriginalStores(config: config, logger: logger)
        do {
            let report = try await withIndex(config, logger: logger) { index in
                try await ConsistencyCheck(index: index, originals: stores.originals, cachePath: config.cache.path)
                    .run(repair: repair, minAge: minAge)
            }
            try await stores.close()
            return report
        } catch {
            try? await stores.close()
            throw error
        }
    }

    /// Runs `body` with the configured index open (the raw store, never a cache of it:
    /// the check must see what is there now).
    private static func withIndex<T: Sendable>(
        _ config: AppConfig, logger: Logger, _ body: @escaping @Sendable (any AvatarIndex) async throws -> T
    ) async throws -> T {
        guard let postgres = config.postgres else {
            // Opening would create an empty store, and every original would look like an orphan.
            guard FileManager.default.fileExists(atPath: config.metadataPath + "/data.mdb") else {
                throw MissingMetadata(path: config.metadataPath)
            }
            let embedded = try EmbeddedAvatarIndex(path: config.metadataPath)
            do {
                let result = try await body(embedded)
                try await embedded.shutdown()
                return result
            } catch {
                try? await embedded.shutdown()
                throw error
            }
        }
        let shared = PostgresAvatarIndex(
            url: postgres.url, maxConnections: postgres.maxConnections, timeout: postgres.timeout, logger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await shared.run()
                return nil
            }
            defer { group.cancelAll() }
            let result = try await body(shared)
            return result
        }
    }
}

/// The embedded metadata the configuration names does not exist.
struct MissingMetadata: Error, CustomStringConvertible {
    let path: String
    var description: String { "no embedded metadata at \(path) (is this the server's --config, run from its directory?)" }
}
