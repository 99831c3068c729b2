import AvatarCore
import CoreMetrics
import Foundation
import LMDB
import Logging
import NIOCore
import Synchronization

/// A node's LMDB cache of encoded renders, bounded by `cache.maxBytes`, surviving restarts.
///
/// Reads of the file run on reader threads of their own in short read-only transactions;
/// renders read are also kept in memory within `memoryBytes` (`RecentRenders`), so that
/// hot hits skip LMDB and the copy out of it, and can be answered on an event loop. Writes are queued
/// and committed in batches by one writer thread; until a write commits, its render is
/// answered from memory. Oldest entries are evicted once live data passes `evictAbove` of
/// the map.
public final class RenderCache: Sendable {
    private struct State {
        /// Renders queued or being written, answered from here until committed.
        var pending: [RenderCacheKey: CachedRender] = [:]
        var queue: [(RenderCacheKey, CachedRender)] = []
        var draining = false
        var nextSequence: UInt64 = 0
    }

    public let settings: RenderCacheSettings
    private let environment: LMDBEnvironment
    private let renders: LMDBDatabase
    private let ages: LMDBDatabase
    private let meta: LMDBDatabase
    private let writer: BlockingWorkPool
    private let readers: BlockingWorkPool
    private let state: Mutex<State>
    private let recent: Mutex<RecentRenders>
    /// Keys of renders made once and not yet cached (`CacheAdmission.whenAskedAgain`): 512 KiB.
    private let seenOnce = Mutex(SeenOnce(slotCount: 1 << 16))
    private let metrics: RenderCacheMetrics
    private let logger: Logger

    public init(settings: RenderCacheSettings, metricsFactory: any MetricsFactory, logger: Logger) throws {
        let opened = try CacheEnvironment.open(settings, logger: logger)
        self.settings = settings
        environment = opened.environment
        renders = opened.renders
        ages = opened.ages
        meta = opened.meta
        writer = BlockingWorkPool(threads: 1, name: "cache-writer")
        readers = BlockingWorkPool(threads: settings.readerThreads, niceness: settings.readerNiceness, name: "cache-reader")
        metrics = RenderCacheMetrics(factory: metricsFactory)
        self.logger = logger
        let ages = opened.ages
        let lastSequence = try opened.environment.read { txn in
            try txn.withCursor(ages) { try $0.last().flatMap { CachedRender.sequence(of: $0.key) } }
        }
        state = Mutex(State(nextSequence: (lastSequence ?? 0) + 1))
        recent = Mutex(RecentRenders(budget: settings.memoryBytes))
        try publishUsage()
    }

    /// The render under `key` when it is in memory: its write pending, or kept from a read
    /// of the cache file. Never touches the disk, so an event loop may ask. Counted as a
    /// hit when found; a miss here is counted by the `get` that follows.
    public func inMemory(_ key: RenderCacheKey) -> CachedRender? {
        let found = state.withLock({ $0.pending[key] }) ?? (keepsInMemory(key) ? recent.withLock { $0.get(key) } : nil)
        if found != nil { metrics.lookedUp(key, found: true) }
        return found
    }

    /// The render under `key`: from memory, else read from the cache file on the reader
    /// threads (a read can page-fault, so it never runs on the caller's thread).
    public func get(_ key: RenderCacheKey) async -> CachedRender? {
        if let found = inMemory(key) { return found }
        let found = await readFile(key) { CachedRender(stored: $0) }
        metrics.lookedUp(key, found: found != nil)
        if keepsInMemory(key), let found { recent.withLock { $0.add(found, for: key) } }
        return found
    }

    /// What `body` makes of the bytes stored under `key`, read where they lie (a pending
    /// write, or the cache file's map inside its read transaction, on a reader thread)
    /// rather than copied out first: for values large enough that each copy counts, such
    /// as masters. Not kept in memory after. `nil` when nothing is stored or `body` refuses it.
    public func read<Value: Sendable>(
        _ key: RenderCacheKey, _ body: @escaping @Sendable (UnsafeRawBufferPointer) -> Value?
    ) async -> Value? {
        let found: Value?
        if let pending = pending(key) {
            found = pending.bytes.withUnsafeReadableBytes(body)
        } else {
            found = await readFile(key) { stored in CachedRender.withBytes(stored: stored, body) ?? nil }
        }
        metrics.lookedUp(key, found: found != nil)
        return found
    }

    private func readFile<Value: Sendable>(
        _ key: RenderCacheKey, _ body: @escaping @Sendable (UnsafeRawBufferPointer) -> Value?
    ) async -> Value? {
        do {
            return try await readers.run { [environment, renders] in
                try environment.read { txn in try txn.get(renders, key: key.bytes, body) ?? nil }
            }
        } catch is CancellationError {
            return nil  // the requester left before a reader thread was free
        } catch {
            logger.error("render cache read failed", metadata: ["key": "\(key)", "error": "\(error)"])
            return nil
        }
    }

    /// Renders are kept in memory after a read; masters and originals are read once per
    /// render made, not per request.
    private func keepsInMemory(_ key: RenderCacheKey) -> Bool {
        key.kind == .render && settings.memoryBytes > 0
    }

    /// A render queued for writing but not yet committed.
    public func pending(_ key: RenderCacheKey) -> CachedRender? {
        state.withLock { $0.pending[key] }
    }

    /// Queues `render` for writing; it is answered from memory until the write commits.
    /// Renders over `settings.largestEntry` are not cached, nor those `admission` keeps out.
    public func store(_ render: CachedRender, for key: RenderCacheKey, admission: CacheAdmission = .always) {
        guard render.bytes.readableBytes <= settings.largestEntry else { return }
        if case .whenAskedAgain = admission, !seenOnce.withLock({ $0.admits(key) }) { return }
        let startDrain = state.withLock { state -> Bool in
            state.pending[key] = render
            state.queue.append((key, render))
            defer { state.draining = true }
            return !state.draining
        }
        guard startDrain else { return }
        Task { [self] in
            do {
                try await writer.run { self.drain() }
            } catch {
                logger.error("render cache writer stopped", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Waits until every queued write has been committed or dropped.
    public func flush() async throws {
        while state.withLock({ $0.draining }) {
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    /// Live entries and bytes (pages in use, not the data file's high-water mark).
    public func usage() throws -> (entries: Int, bytes: Int) {
        let pageSize = try environment.usage().pageSize
        return try environment.read { txn in
            (try txn.count(renders), (try txn.pages(renders) + txn.pages(ages)) * pageSize)
        }
    }

    /// Flushes pending writes to disk and stops the writer thread.
    public func close() async throws {
        try await flush()
        try environment.sync()
        try await writer.shutdown()
        try await readers.shutdown()
        environment.close()
    }

    // MARK: The writer

    /// Writes queued renders batch by batch until the queue is empty. Runs on the writer
    /// thread only, so LMDB sees one write transaction at a time. A batch holds at most
    /// `largestEntry` bytes, so making room for it never empties much of the cache.
    private func drain() {
        while true {
            let batch = state.withLock { state -> [(RenderCacheKey, CachedRender, UInt64)] in
                var bytes = 0
                let taken = state.queue.prefix { entry in
                    defer { bytes += entry.1.bytes.readableBytes }
                    return bytes == 0 || bytes + entry.1.bytes.readableBytes <= settings.largestEntry
                }
                let batch = taken.enumerated().map { ($1.0, $1.1, state.nextSequence + UInt64($0)) }
                state.nextSequence += UInt64(batch.count)
                state.queue.removeFirst(batch.count)
                if batch.isEmpty { state.draining = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            write(batch)
            state.withLock { state in
                for (key, render, _) in batch where state.pending[key] == render { state.pending[key] = nil }
            }
            try? publishUsage()
        }
    }

    /// Makes room first, in a transaction of its own (pages freed by a transaction are
    /// reusable only once it has committed), then writes the batch.
    ///
    /// Large values need runs of contiguous free pages, and many small transactions can
    /// scatter the free pages so that `MDB_MAP_FULL` comes while live data is well under
    /// the mark. Then the oldest half goes and the batch is tried again; if even that
    /// fails, the cache starts over empty rather than refusing every later write.
    private func write(_ batch: [(RenderCacheKey, CachedRender, UInt64)]) {
        let incoming = batch.reduce(0) { $0 + $1.1.bytes.readableBytes + $1.0.bytes.count * 2 + 64 }
        let attempts: [(reason: String, makeRoom: () throws -> Void)] = [
            ("", { try self.evict(above: self.settings.evictAbove, to: self.settings.evictTo, making: incoming) }),
            ("evicting the older half", { try self.evict(above: 0, to: self.settings.evictTo / 2, making: incoming) }),
            ("clearing the cache", { try self.removeAll() }),
        ]
        for (attempt, step) in attempts.enumerated() {
            do {
                try step.makeRoom()
                try insert(batch)
                return
            } catch let error as LMDBError where error.isMapFull && attempt + 1 < attempts.count {
                let next = attempts[attempt + 1].reason
                logger.warning(
                    "render cache full; \(next)",
                    metadata: ["renders": "\(batch.count)", "liveBytes": "\((try? usage().bytes) ?? -1)"])
            } catch {
                metrics.droppedWrites.increment(by: batch.count)
                logger.error("render cache write failed; writes dropped", metadata: ["error": "\(error)"])
                return
            }
        }
    }

    private func insert(_ batch: [(RenderCacheKey, CachedRender, UInt64)]) throws {
        try environment.write { txn in
            for (key, render, sequence) in batch {
                if let previous = try txn.get(renders, key: key.bytes, { CachedRender.sequence(of: $0) }) ?? nil {
                    try txn.delete(ages, key: sequenceKey(previous))
                }
                try txn.put(renders, key: key.bytes, value: render.encoded(sequence: sequence))
                try txn.put(ages, key: sequenceKey(sequence), value: key.bytes)
            }
        }
    }

    private func removeAll() throws {
        let removed = try environment.write { txn in
            let count = try txn.count(renders)
            try txn.removeAll(renders)
            try txn.removeAll(ages)
            return count
        }
        try releaseFreedPages()
        recent.withLock { $0.removeAll() }
        metrics.evictions.increment(by: removed)
    }

    /// When live data plus `incoming` bytes would pass `above` of the map, deletes the
    /// oldest entries until they fit under `to`.
    private func evict(above: Double, to: Double, making incoming: Int) throws {
        let pageSize = try environment.usage().pageSize
        let limit = Double(settings.maxBytes)
        let evicted = try environment.write { txn in
            func liveBytes() throws -> Int { (try txn.pages(renders) + txn.pages(ages)) * pageSize + incoming }
            guard Double(try liveBytes()) > limit * above else { return 0 }
            return try txn.withCursor(ages) { cursor in
                var evicted = 0
                while Double(try liveBytes()) > limit * to, let oldest = try cursor.first() {
                    try txn.delete(renders, key: oldest.value)
                    try cursor.deleteCurrent()
                    evicted += 1
                }
                return evicted
            }
        }
        if evicted > 0 {
            try releaseFreedPages()
            // Evictions are rare, and the evicted keys are only bytes here: the memory starts
            // over rather than keep renders LMDB no longer has.
            recent.withLock { $0.removeAll() }
        }
        metrics.evictions.increment(by: evicted)
    }

    /// LMDB keeps the two latest snapshots, so pages freed by transaction N are reusable
    /// from N + 2 on. One small commit after an eviction lets the next write use them.
    private func releaseFreedPages() throws {
        try environment.write { txn in
            try txn.put(meta, key: Array("evicted-at".utf8), value: withUnsafeBytes(of: Date().timeIntervalSince1970, Array.init))
        }
    }

    private func publishUsage() throws {
        let (entries, bytes) = try usage()
        metrics.entries.record(entries)
        metrics.bytes.record(bytes)
    }

    private func sequenceKey(_ sequence: UInt64) -> [UInt8] {
        withUnsafeBytes(of: sequence.bigEndian, Array.init)
    }
}
