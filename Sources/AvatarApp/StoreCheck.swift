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
            let report = try await StoreAccess.withIndex(config, logger: logger, purpose: .check) { index in
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
}
