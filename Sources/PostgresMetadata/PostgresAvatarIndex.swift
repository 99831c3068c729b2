import AvatarCore
import AvatarMetadata
import Foundation
import Logging
import PostgresNIO
import Purges
import ServiceLifecycle
import Synchronization

/// Avatar records in PostgreSQL's `avatars` table, shared by every node. Each upload and
/// delete sends `NOTIFY avatars_changed, '<hash>'` in its own transaction, so other nodes
/// can drop their cached copy at once, and writes the change's pending purges (`outbox`).
/// Every call has a deadline.
public final class PostgresAvatarIndex: AvatarIndex, Service {
    /// The channel changes are announced on.
    public static let channel = "avatars_changed"

    let client: PostgresClient
    /// Changes of one hash in this process take turns before they ask PostgreSQL's lock.
    private let changes: KeyedLock<AvatarHash>
    /// Each change holds a connection for its lock while its queries need another: at most
    /// half the pool's connections are held that way, so queries always find one.
    private let changeSlots: KeyedLock<ChangeSlot>

    private enum ChangeSlot: Hashable { case pool }
    let timeout: Duration
    let logger: Logger
    private let outbox: PurgeOutbox

    public init(url: PostgresURL, maxConnections: Int, timeout: Duration, logger: Logger, outbox: PurgeOutbox = PurgeOutbox()) {
        self.outbox = outbox
        var configuration = PostgresClient.Configuration(
            host: url.host, port: url.port, username: url.username, password: url.password, database: url.database,
            tls: url.clientTLS)
        configuration.options.maximumConnections = maxConnections
        configuration.options.connectTimeout = timeout
        configuration.options.additionalStartupParameters = [("application_name", "avatars")]
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.timeout = timeout
        let wait = timeout * (Self.changeLockWaits * 2)
        changes = KeyedLock(maxWaiting: 16, maxWait: wait)
        changeSlots = KeyedLock(capacity: maxConnections / 2, maxWaiting: 4_096, maxWait: wait)
        self.logger = logger
    }

    /// Runs the connection pool; queries work only while this runs.
    public func run() async throws {
        await client.run()
    }

    public func record(for hash: AvatarHash) async throws(AvatarError) -> AvatarRecord? {
        let logger = logger
        let client = client
        return try await call {
            let rows = try await client.query(
                """
                SELECT \(unescaped: Self.columns)
                FROM avatars WHERE hash = \(hash.value)
                """, logger: logger)
            for try await row in rows { return try Self.record(row) }
            return nil
        }
    }

    public func save(_ facts: AvatarFacts, at now: Date) async throws(AvatarError) -> SavedRecord {
        let logger = logger
        let client = client
        let outbox = outbox
        // A refusal leaves the transaction as a value: thrown inside, PostgresNIO would wrap it.
        return try await call { () async throws -> Result<SavedRecord, AvatarError> in
            try await client.withTransaction(logger: logger) { connection in
                let hash = facts.hash.value
                // Serialises uploads of one hash, so each learns exactly which version it replaced.
                try await Self.takeTurn(of: facts.hash, on: connection, logger: logger)
                var previous: AvatarRecord?
                for try await row in try await connection.query(
                    """
                    SELECT \(unescaped: Self.columns)
                    FROM avatars WHERE hash = \(hash)
                    """, logger: logger)
                {
                    previous = try Self.record(row)
                }
                if let refusal = facts.refusal(over: previous) { return .failure(refusal) }
                let record = AvatarRecord(facts, replacing: previous, at: now)
                try await connection.query(
                    """
                    INSERT INTO avatars (\(unescaped: Self.columns))
                    VALUES (\(hash), \(record.version), \(record.format.rawValue), \(record.width), \(record.height),
                            \(record.bytes), \(record.rating.rawValue), \(record.createdAt), \(record.updatedAt),
                            \(record.original), \(record.crop.x), \(record.crop.y), \(record.crop.size),
                            \(record.crop.source.rawValue), \(record.frames))
                    ON CONFLICT (hash) DO UPDATE SET
                        version = EXCLUDED.version, format = EXCLUDED.format, width = EXCLUDED.width,
                        height = EXCLUDED.height, bytes = EXCLUDED.bytes, rating = EXCLUDED.rating,
                        updated_at = EXCLUDED.updated_at, original = EXCLUDED.original, crop_x = EXCLUDED.crop_x,
                        crop_y = EXCLUDED.crop_y, crop_size = EXCLUDED.crop_size, crop_source = EXCLUDED.crop_source,
                        frames = EXCLUDED.frames
                    """, logger: logger)
                try await connection.query("SELECT pg_notify(\(Self.channel), \(hash))", logger: logger)
                let event: PurgeEvent = facts.recropOf != nil ? .recrop : .upload
                try await Self.insert(
                    outbox.purges(event, hash: facts.hash, version: record.version, at: now), on: connection, logger: logger)
                return .success(SavedRecord(record: record, replaced: previous))
            }
        }.get()
    }

    public func remove(_ hash: AvatarHash) async throws(AvatarError) -> AvatarRecord? {
        let logger = logger
        let client = client
        let outbox = outbox
        return try await call {
            try await client.withTransaction(logger: logger) { connection in
                // Takes turns with saves of the hash, as saves do with each other: a save never
                // re-creates a row a delete removed between its read and its write.
                try await Self.takeTurn(of: hash, on: connection, logger: logger)
                var removed: AvatarRecord?
                for try await row in try await connection.query(
                    """
                    DELETE FROM avatars WHERE hash = \(hash.value)
                    RETURNING \(unescaped: Self.columns)
                    """, logger: logger)
                {
                    removed = try Self.record(row)
                }
                if removed != nil {
                    try await connection.query("SELECT pg_notify(\(Self.channel), \(hash.value))", logger: logger)
                    try await Self.insert(
                        outbox.purges(.delete, hash: hash, version: nil, at: Date()), on: connection, logger: logger)
                }
                return removed
            }
        }
    }

    /// Changes of one hash take turns in this process first, then hold a session advisory
    /// lock on it (in the two-key space, which never meets the one-key locks `save` takes
    /// in its transaction) on a connection of their own while `body` runs. The lock is
    /// taken with `pg_try_advisory_lock` until the deadline, so no wait is left behind on a
    /// connection the pool reuses.
    public func exclusively<T: Sendable>(_ hash: AvatarHash, _ body: @escaping @Sendable () async throws(AvatarError) -> T)
        async throws(AvatarError) -> T
    {
        try await changes.withLock(hash) { () throws(AvatarError) in
            try await changeSlots.withLock(.pool) { () throws(AvatarError) in try await excludingOtherNodes(hash, body) }
        }
    }

    private func excludingOtherNodes<T: Sendable>(
        _ hash: AvatarHash, _ body: @escaping @Sendable () async throws(AvatarError) -> T
    ) async throws(AvatarError) -> T {
        // Another node's change of the hash holds the lock for its S3 writes and its saves,
        // each under deadlines of their own: waiting for it gets several query deadlines.
        let (client, logger, timeout) = (client, logger, timeout * Self.changeLockWaits)
        let locked = OnceFlag()
        do {
            // postgres-nio waits for a connection as long as the server is down: the lock must
            // be held within the deadline, or the change is refused. Once held, the change runs
            // to its end under its own deadlines.
            let outcome = try await withThrowingTaskGroup(of: Result<T, AvatarError>?.self) { group in
                group.addTask {
                    try await client.withConnection { connection in
                        do {
                            try await Self.lock(hash, on: connection, until: .now + timeout, logger: logger)
                            try Task.checkCancellation()
                        } catch {
                            // The lock may have been granted to a query whose answer never came
                            // back (a cancellation); a session lock lives as long as its
                            // connection, so the connection goes rather than back to the pool.
                            try? await connection.close()
                            throw error
                        }
                        locked.set()
                        let outcome: Result<T, AvatarError>
                        do throws(AvatarError) {
                            outcome = .success(try await body())
                        } catch {
                            outcome = .failure(error)
                        }
                        do {
                            try await connection.query(
                                "SELECT pg_advisory_unlock(\(Self.changeLockSpace), hashtext(\(hash.value)))", logger: logger)
                        } catch {
                            // A session lock lives as long as its connection: one that cannot unlock must go.
                            try? await connection.close()
                        }
                        return outcome
                    }
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    guard locked.isSet else {
                        throw AvatarError.storageUnavailable(reason: "PostgreSQL: the change lock was not taken within \(timeout)")
                    }
                    return nil
                }
                while let next = try await group.next() {
                    if let next {
                        group.cancelAll()
                        return next
                    }
                }
                throw AvatarError.internalFailure(reason: "the change lock ran nothing")
            }
            return try outcome.get()
        } catch {
            throw Self.failure(error)
        }
    }

    /// Takes the change lock of `hash` on `connection`, trying until `deadline`.
    private static func lock(_ hash: AvatarHash, on connection: PostgresConnection, until deadline: ContinuousClock.Instant, logger: Logger)
        async throws
    {
        while true {
            let rows = try await connection.query(
                "SELECT pg_try_advisory_lock(\(changeLockSpace), hashtext(\(hash.value)))", logger: logger)
            var taken = false
            for try await value in rows.decode(Bool.self) { taken = value }
            if taken { return }
            guard ContinuousClock.now < deadline else {
                throw AvatarError.storageUnavailable(reason: "PostgreSQL: another node kept \(hash) locked")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// How many query deadlines a change may wait for another change of its hash.
    static let changeLockWaits = 5

    /// The first key of the two-key advisory locks that serialise changes of one hash.
    static let changeLockSpace: Int32 = 7_377

    public func records(after hash: AvatarHash?, limit: Int) async throws(AvatarError) -> [AvatarRecord] {
        let logger = logger
        let client = client
        // Keyset pages over the primary key: each page is one index range scan.
        let start = hash?.value ?? ""
        return try await call {
            let rows = try await client.query(
                """
                SELECT \(unescaped: Self.columns)
                FROM avatars WHERE hash > \(start) ORDER BY hash LIMIT \(limit)
                """, logger: logger)
            var page: [AvatarRecord] = []
            for try await row in rows { page.append(try Self.record(row)) }
            return page
        }
    }

    public func checkReady() async throws(AvatarError) {
        let logger = logger
        let client = client
        try await call { try await client.query("SELECT 1", logger: logger) }
    }

    func call<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) async throws(AvatarError) -> T {
        do {
            return try await withDeadline(timeout, operation)
        } catch {
            throw Self.failure(error)
        }
    }

    /// What a failed call tells the caller: our own errors as they are, anything from
    /// PostgreSQL or the pool as the store being unavailable.
    private static func failure(_ error: any Error) -> AvatarError {
        (error as? AvatarError) ?? .storageUnavailable(reason: "PostgreSQL: \(String(reflecting: error))")
    }

    /// Holds the hash's transaction-scoped advisory lock (one-key space) until the
    /// transaction ends: saves and removes of one hash take turns.
    private static func takeTurn(of hash: AvatarHash, on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(hash.value)))", logger: logger)
    }

    /// The columns of a record, in the order `record(_:)` reads them.
    private static let columns =
        "hash, version, format, width, height, bytes, rating, created_at, updated_at, original, crop_x, crop_y, crop_size, crop_source, frames"

    /// A row as a record; rows saved before crops existed (NULL crop columns) show their
    /// original's centre square. So do rows whose crop columns do not name their version: a
    /// node from before crops, during a rolling upgrade, rewrote the row and left them stale.
    private static func record(_ row: PostgresRow) throws -> AvatarRecord {
        let (hash, version, format, width, height, bytes, rating, createdAt, updatedAt, original, x, y, size, source, frames) =
            try row.decode((String, String, String, Int, Int, Int, String, Date, Date, String?, Int?, Int?, Int?, String?, Int).self)
        guard let hashValue = AvatarHash(hash), let imageFormat = ImageFormat(rawValue: format),
            let ratingValue = Rating(rawValue: rating)
        else { throw AvatarError.internalFailure(reason: "malformed avatars row for \(hash)") }
        var crop: AvatarCrop?
        if let x, let y, let size, let source {
            guard let sourceValue = AvatarCrop.Source(rawValue: source) else {
                throw AvatarError.internalFailure(reason: "malformed crop in the avatars row for \(hash)")
            }
            crop = AvatarCrop(x: x, y: y, size: size, source: sourceValue)
        }
        if let known = crop, let original, OriginalVersion.of(original: original, crop: known) != version {
            crop = nil
        }
        return AvatarRecord(
            hash: hashValue, version: version, original: crop == nil ? nil : original, crop: crop, format: imageFormat, width: width,
            height: height, bytes: bytes, frames: frames, rating: ratingValue, createdAt: createdAt, updatedAt: updatedAt)
    }
}

