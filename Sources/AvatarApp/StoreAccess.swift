import AvatarMetadata
import Foundation
import Logging
import PostgresMetadata
import Purges

/// Opens a node's metadata outside a server, for commands that run beside servers on the
/// same stores (`check`, `import`): the raw store, never a cache of it, so they see and write
/// what is there now.
enum StoreAccess {
    /// What the index is opened for.
    enum Purpose {
        /// Reading and repairing: an embedded store must exist already, since opening would
        /// create an empty one and every original would look like an orphan.
        case check
        /// Writing as uploads do: the store is created (and PostgreSQL migrated) when new, and
        /// changes queue their purges for the configured targets, which the servers send.
        case write
    }

    /// Runs `body` with the configured index open, and closes it after.
    static func withIndex<T: Sendable>(
        _ config: AppConfig, logger: Logger, purpose: Purpose, _ body: @escaping @Sendable (any AvatarIndex) async throws -> T
    ) async throws -> T {
        let outbox = purpose == .write ? config.purge.outbox : PurgeOutbox()
        guard let postgres = config.postgres else {
            if purpose == .check, !FileManager.default.fileExists(atPath: config.metadataPath + "/data.mdb") {
                throw MissingMetadata(path: config.metadataPath)
            }
            let embedded = try EmbeddedAvatarIndex(path: config.metadataPath, outbox: outbox)
            do {
                let result = try await body(embedded)
                try await embedded.shutdown()
                return result
            } catch {
                try? await embedded.shutdown()
                throw error
            }
        }
        if purpose == .write { try await Migrations.apply(url: postgres.url, logger: logger) }
        let shared = PostgresAvatarIndex(
            url: postgres.url, maxConnections: postgres.maxConnections, timeout: postgres.timeout, logger: logger,
            outbox: outbox)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await shared.run()
                return nil
            }
            defer { group.cancelAll() }
            return try await body(shared)
        }
    }
}

/// The embedded metadata the configuration names does not exist.
struct MissingMetadata: Error, CustomStringConvertible {
    let path: String
    var description: String { "no embedded metadata at \(path) (is this the server's --config, run from its directory?)" }
}
