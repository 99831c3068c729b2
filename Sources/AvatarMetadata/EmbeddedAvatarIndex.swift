import AvatarCore
import Foundation
import LMDB
import Purges

/// Avatar records in a local LMDB environment of their own (`metadata.path`), durable
/// on every commit. The embedded default: no database server needed. Each change writes
/// its pending purges (`outbox`) in its own transaction, so none is lost to a crash.
public final class EmbeddedAvatarIndex: AvatarIndex {
    let environment: LMDBEnvironment
    private let records: LMDBDatabase
    /// Pending purges, keyed by when they are next due (`PurgeKey`).
    let purges: LMDBDatabase
    private let outbox: PurgeOutbox
    /// LMDB takes one writer at a time; writes wait on this pool, not on request threads.
    let writer: BlockingWorkPool
    /// Reads can page-fault, so they wait on threads of their own too.
    let readers: BlockingWorkPool
    /// Changes of one hash take turns (the embedded store belongs to one process). Each holds
    /// the lock for a file write and a commit, both synced: a queue longer than this, or a
    /// wait longer than this, is a flood of one hash, refused as overload.
    private let changes = KeyedLock<AvatarHash>(maxWaiting: 16, maxWait: EmbeddedAvatarIndex.changeWait)
    /// ... and across processes (`avatars check --repair` beside a server).
    private let lockFiles: ChangeLockFiles
    static let changeWait = Duration.seconds(30)

    /// `readerNiceness`: the nice value of the reader threads, which serve request handlers
    /// and yield to the event loops as they do.
    public init(path: String, mapSize: Int = 1 << 30, readerNiceness: Int32 = 0, outbox: PurgeOutbox = PurgeOutbox())
        throws
    {
        environment = try LMDBEnvironment(path: path, options: .init(mapSize: mapSize))
        try environment.clearStaleReaders()
        records = try environment.openDatabase("avatars")
        purges = try environment.openDatabase("purges")
        self.outbox = outbox
        lockFiles = try ChangeLockFiles(directory: path + "/change-locks")
        writer = BlockingWorkPool(threads: 1, name: "metadata-writer")
        readers = BlockingWorkPool(threads: 2, maxWaiting: Self.maxWaitingReads, niceness: readerNiceness, name: "metadata-reader")
    }

    public func exclusively<T: Sendable>(_ hash: AvatarHash, _ body: @escaping @Sendable () async throws(AvatarError) -> T)
        async throws(AvatarError) -> T
    {
        let deadline = ContinuousClock.now + Self.changeWait
        return try await changes.withLock(hash) { () throws(AvatarError) in
            try await lockFiles.withLock(hash, until: deadline, body)
        }
    }

    public func record(for hash: AvatarHash) async throws(AvatarError) -> AvatarRecord? {
        try await reading { environment, records in
            try environment.read { txn in try Self.decode(txn.bytes(records, key: Array(hash.value.utf8))) }
        }
    }

    public func save(_ facts: AvatarFacts, at now: Date) async throws(AvatarError) -> SavedRecord {
        try await writing { [purges, outbox] environment, records in
            try environment.write { txn in
                let key = Array(facts.hash.value.utf8)
                let previous = try Self.decode(txn.bytes(records, key: key))
                if let refusal = facts.refusal(over: previous) { throw refusal }
                let record = AvatarRecord(facts, replacing: previous, at: now)
                try txn.put(records, key: key, value: Self.encoder.encode(record))
                let event: PurgeEvent = facts.recropOf != nil ? .recrop : .upload
                for purge in outbox.purges(event, hash: facts.hash, version: record.version, at: now) {
                    try Self.put(purge, in: purges, txn)
                }
                return SavedRecord(record: record, replaced: previous)
            }
        }
    }

    public func remove(_ hash: AvatarHash) async throws(AvatarError) -> AvatarRecord? {
        try await writing { [purges, outbox] environment, records in
            try environment.write { txn in
                let key = Array(hash.value.utf8)
                let previous = try Self.decode(txn.bytes(records, key: key))
                if previous != nil {
                    _ = try txn.delete(records, key: key)
                    for purge in outbox.purges(.delete, hash: hash, version: nil, at: Date()) {
                        try Self.put(purge, in: purges, txn)
                    }
                }
                return previous
            }
        }
    }

    public func records(after hash: AvatarHash?, limit: Int) async throws(AvatarError) -> [AvatarRecord] {
        try await reading { environment, records in
            try environment.read { txn in
                try txn.withCursor(records) { cursor in
                    var page: [AvatarRecord] = []
                    var entry = try hash.map { try cursor.seek(atOrAfter: Array($0.value.utf8)) } ?? cursor.first()
                    if let current = entry, let hash, current.key == Array(hash.value.utf8) { entry = try cursor.next() }
                    while let current = entry, page.count < limit {
                        if let record = try Self.decode(current.value) { page.append(record) }
                        entry = try cursor.next()
                    }
                    return page
                }
            }
        }
    }

    public func checkReady() async throws(AvatarError) {
        _ = try await reading { environment, records in try environment.read { txn in try txn.count(records) } }
    }

    public func shutdown() async throws {
        try await writer.shutdown()
        try await readers.shutdown()
        environment.close()
    }

    /// Reads waiting for a reader thread; past it a read (a flood of unknown hashes) is refused as overload.
    public static let maxWaitingReads = 256
    /// How long a read may wait for a thread; past it the read never starts (a read itself
    /// takes microseconds, so a timer per read would cost more than the read).
    static let readDeadline = Duration.seconds(2)

    /// Runs a read on the reader threads, never the caller's (a read can page-fault), started
    /// within `readDeadline`.
    private func reading<T: Sendable>(
        _ body: @Sendable @escaping (LMDBEnvironment, LMDBDatabase) throws -> T
    ) async throws(AvatarError) -> T {
        try await run(on: readers, "metadata read", startingWithin: Self.readDeadline, body)
    }

    /// Runs a write on the one writer thread.
    private func writing<T: Sendable>(
        _ body: @Sendable @escaping (LMDBEnvironment, LMDBDatabase) throws -> T
    ) async throws(AvatarError) -> T {
        try await run(on: writer, "metadata write", startingWithin: nil, body)
    }

    func run<T: Sendable>(
        on pool: BlockingWorkPool, _ what: String, startingWithin limit: Duration?,
        _ body: @Sendable @escaping (LMDBEnvironment, LMDBDatabase) throws -> T
    ) async throws(AvatarError) -> T {
        let (environment, records) = (environment, records)
        do {
            return try await pool.run(startingWithin: limit) { try body(environment, records) }
        } catch is BlockingWorkPool.Full {
            throw .overloaded
        } catch let refusal as AvatarError {
            throw refusal
        } catch {
            throw .storageUnavailable(reason: "\(what): \(error)")
        }
    }

    /// Reads what `encoder` wrote: records and pending purges alike.
    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return decoder
    }()

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        return encoder
    }()

    private static func decode(_ bytes: [UInt8]?) throws -> AvatarRecord? {
        guard let bytes else { return nil }
        return try decoder.decode(AvatarRecord.self, from: Data(bytes))
    }
}
