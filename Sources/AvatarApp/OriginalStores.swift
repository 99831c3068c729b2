import AvatarCore
import Logging
import OriginalStorage
import S3

/// The original store a configuration names, with what must be closed after it:
/// one construction for `serve` and for the commands that open the stores without a server.
struct OriginalStores {
    let originals: any OriginalStore
    let pool: BlockingWorkPool
    let s3: S3Client?

    init(config: AppConfig, logger: Logger) throws {
        pool = BlockingWorkPool(threads: 4, name: "originals")
        s3 = config.s3.map { S3Client(settings: $0) }
        originals =
            if let s3 { S3OriginalStore(client: s3, logger: logger) } else {
                try FilesystemOriginalStore(root: config.storagePath, pool: pool)
            }
    }

    func close() async throws {
        try await pool.shutdown()
        try await s3?.shutdown()
    }
}
