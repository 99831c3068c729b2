import AvatarCore
import CoreMetrics
import Foundation
import LMDB
import Logging
import NIOCore
import NIOConcurrencyHelpers
import Synchronization

/// A node's LMDB cache of encoded renders, bounded by `cache.maxBytes`, surviving restarts.
///
/// Reads of the file run on reader threads of their own in short read-only transactions;
/// renders read are also kept in memory within `memoryBytes` (`RecentRenders`), so that
/// hot hits skip LMDB and the copy out of it, and can be answered on an event loop. Writes are queued
/// and committed in batches by one writer thread; until a write commits, its render is
/// answered from memory. Oldest entries are evicted once live data passes `evictAbove` of
/// the map; an entry read while it is among the oldest is written again as new first, as
/// far as new entries pay for it, so entries in use (masters above all, written once at
/// upload) outlive the evictions of their age, and mostly those nobody reads age out.
public final class RenderCache: Sendable {
    /// A write waiting for the writer; `refreshing` an entry already stored (`keepIfOld`).
    private struct QueuedWrite {
        let key: RenderCacheKey
        let render: CachedRender
        let refreshing: Bool
        var bytes: Int { render.bytes.readableBytes }
        /// What its stored value takes: `CachedRender.encoded(sequence:)`.
        var storedBytes: Int { 9 + render.contentType.utf8.count + bytes }
    }

    private struct State {
        /// Renders queued or being written, answered from here until committed.
        var pending: [RenderCacheKey: CachedRender] = [:]
        var queue: [QueuedWrite] = []
        /// Bytes of the renders in `queue`.
        var queuedBytes = 0
        /// Bytes entries in use may still be written again for (`keepIfOld`): earned by
        /// ordinary writes, at most `refreshCreditBytes`.
        var refreshCredit = 0
        var draining = false
        var nextSequence: UInt64 = 0
        /// `nextSequence` when the writer last placed `refreshBelow`; `nil` while it is not placed.
        var refreshPlacedAt: UInt64?

        /// Whether a write again of `size` bytes fits the bounds of `keepIfOld`.
        func admitsRefresh(of size: Int, _ settings: RenderCacheSettings) -> Bool {
            queuedBytes + size <= settings.refreshQueueBytes && refreshCredit >= size
        }
    }

    public let settings: RenderCacheSettings
    private let environment: LMDBEnvironment
    private let renders: LMDBDatabase
    private let ages: LMDBDatabase
    private let meta: LMDBDatabase
    /// The file's page size: what live data, room and footprints are counted in.
    private let pageSize: Int
    private let writer: BlockingWorkPool
    private let readers: BlockingWorkPool
    private let state: NIOLockedValueBox<State>
    private let recent: NIOLockedValueBox<RecentRenders>
    /// Keys of renders made once and not yet cached (`CacheAdmission.whenAskedAgain`): 512 KiB.
    private let seenOnce = NIOLockedValueBox(SeenOnce(slotCount: 1 << 16))
    /// Entries of a lower age (write sequence) are the oldest the next evictions would take:
    /// read, they are written again. 0 while live data is under `evictTo`, when no eviction is near.
    private let refreshBelow = Synchronization.Atomic<UInt64>(0)
    /// How many writes are pending, published under the `state` lock: a hit while nothing is
    /// queued looks no further, and does not take the lock the writer takes for every batch.
    private let pendingCount = Synchronization.Atomic<Int>(0)
    private let metrics: RenderCacheMetrics
    private let logger: Logger

    public init(settings: RenderCacheSettings, metricsFactory: any MetricsFactory, logger: Logger) throws {
        let opened = try CacheEnvironment.open(settings, logger: logger)
        self.settings = settings
        environment = opened.environment
        renders = opened.renders
        ages = opened.ages
        meta = opened.meta
        pageSize = try opened.environment.usage().pageSize
        writer = BlockingWorkPool(threads: 1, name: "cache-writer")
        readers = BlockingWorkPool(threads: settings.readerThreads, niceness: settings.readerNiceness, name: "cache-reader")
        metrics = RenderCacheMetrics(factory: metricsFactory)
        self.logger = logger
        let ages = opened.ages
        let lastSequence = try opened.environment.read { txn in
            try txn.withCursor(ages) { try $0.last().flatMap { CachedRender.sequence(of: $0.key) } }
        }
        state = NIOLockedValueBox(State(nextSequence: (lastSequence ?? 0) + 1))
        recent = NIOLockedValueBox(RecentRenders(budget: settings.memoryBytes))
        try publishUsage()
    }

    /// The render under `key` when it is in memory: its write pending, or kept from a read
    /// of the cache file. Never touches the disk, so an event loop may ask. Counted as a
    /// hit when found; a miss here is counted by the `get` that follows.
    public func inMemory(_ key: RenderCacheKey) -> CachedRender? {
        if let pending = pending(key) {
            metrics.lookedUp(key, found: true)
            return pending
        }
        guard keepsInMemory(key), let kept = recent.withLockedValue({ $0.get(key) }) else { return nil }
        metrics.lookedUp(key, found: true)
        keepIfOld(kept.render, age: kept.age, for: key)
        return kept.render
    }

    /// The render under `key`: from memory, else read from the cache file on the reader
    /// threads (a read can page-fault, so it never runs on the caller's thread).
    public func get(_ key: RenderCacheKey) async -> CachedRender? {
        if let found = inMemory(key) { return found }
        let found = await readFile(key) { stored in
            CachedRender(stored: stored).map { ($0, CachedRender.sequence(of: stored) ?? 0) }
        }
        metrics.lookedUp(key, found: found != nil)
        guard let (render, age) = found else { return nil }
        if keepsInMemory(key) { recent.withLockedValue { $0.add(render, age: age, for: key) } }
        keepIfOld(render, age: age, for: key)
        return render
    }

    /// What `body` makes of the bytes stored under `key`, read where they lie (a pending
    /// write, or the cache file's map inside its read transaction, on a reader thread)
    /// rather than copied out first: for values large enough that each copy counts, such
    /// as masters. Not kept in memory after. `nil` when nothing is stored or `body` refuses it.
    public func read<Value: Sendable>(
        _ key: RenderCacheKey, _ body: @escaping @Sendable (UnsafeRawBufferPointer) -> Value?
    ) async -> Value? {
        // A pending write is at hand: no hand-off for it.
        if pending(key) != nil { return readHere(key, body) }
        return await onReader(key) { self.readHere(key, body) }
    }

    /// As `read`, on the calling thread, which must be one of a pool for blocking work (a
    /// read of the file can page-fault): work that runs there anyway, such as a render,
    /// then reads its input in place without a hand-off to a reader thread.
    public func readHere<Value>(_ key: RenderCacheKey, _ body: (UnsafeRawBufferPointer) -> Value?) -> Value? {
        if let pending = pending(key) { return lookedUp(key, pending.bytes.withUnsafeReadableBytes(body)) }
        let read = readStored(key) { stored -> (value: Value, age: UInt64, copy: CachedRender?)? in
            guard let value = CachedRender.withBytes(stored: stored, body) ?? nil else { return nil }
            // The entry is copied only when it is old, to be written again.
            let age = CachedRender.sequence(of: stored) ?? 0
            let copy = age < refreshBelow.load(ordering: .relaxed) && mayQueueRefresh(of: stored.count)
            return (value, age, copy ? CachedRender(stored: stored) : nil)
        }
        if let read, let copy = read.copy { keepIfOld(copy, age: read.age, for: key) }
        return lookedUp(key, read?.value)
    }

    private func lookedUp<Value>(_ key: RenderCacheKey, _ found: Value?) -> Value? {
        metrics.lookedUp(key, found: found != nil)
        return found
    }

    /// Writes an entry just read again as new when its `age` is among the oldest the file
    /// holds, before an eviction takes it: FIFO with a second chance. Once per entry per
    /// passage through the oldest ages, since the new write is young; not at all until live
    /// data nears the evictions, so reads of a cache that has room cost no writes.
    ///
    /// Evictions come only from new entries, so these writes are paid for by them: never more
    /// bytes than ordinary writes brought (`refreshCredit`), never past `refreshQueueBytes`
    /// queued for the writer. Reads at any rate of a cache that gets nothing new soon write nothing.
    private func keepIfOld(_ render: CachedRender, age: UInt64, for key: RenderCacheKey) {
        guard age < refreshBelow.load(ordering: .relaxed), let written = enqueue(render, for: key, refreshing: true) else {
            return
        }
        recent.withLockedValue { $0.aged(key, to: written) }
        metrics.keptInUse.increment()
    }

    private func readFile<Value: Sendable>(
        _ key: RenderCacheKey, _ body: @escaping @Sendable (UnsafeRawBufferPointer) -> Value?
    ) async -> Value? {
        await onReader(key) { self.readStored(key, body) }
    }

    /// `work` (a read of the file for `key`) on a reader thread; `nil` when the requester
    /// left before a thread was free, or the threads have stopped.
    private func onReader<Value: Sendable>(_ key: RenderCacheKey, _ work: @escaping @Sendable () -> Value?) async -> Value? {
        do {
            return try await readers.run(work)
        } catch is CancellationError {
            return nil
        } catch {
            logger.error("render cache read failed", metadata: ["key": "\(key)", "error": "\(error)"])
            return nil
        }
    }

    /// What `body` makes of the value stored in the file under `key`, on the calling thread;
    /// `nil` when there is none, or the read failed (logged).
    private func readStored<Value>(_ key: RenderCacheKey, _ body: (UnsafeRawBufferPointer) -> Value?) -> Value? {
        do {
            return try environment.read { txn in try txn.get(renders, key: key.bytes, body) ?? nil }
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
        guard pendingCount.load(ordering: .acquiring) > 0 else { return nil }
        return state.withLockedValue { $0.pending[key] }
    }

    /// Queues `render` for writing; it is answered from memory until the write commits.
    /// Renders over `settings.largestEntry` are not cached, nor those `admission` keeps out.
    public func store(_ render: CachedRender, for key: RenderCacheKey, admission: CacheAdmission = .always) {
        if case .whenAskedAgain = admission, !seenOnce.withLockedValue({ $0.admits(key) }) { return }
        _ = enqueue(render, for: key, refreshing: false)
    }

    /// Whether a write again of `size` bytes would be queued now: to copy an entry out only then.
    private func mayQueueRefresh(of size: Int) -> Bool {
        state.withLockedValue { $0.admitsRefresh(of: size, settings) }
    }

    /// Queues `render` for the writer, and returns the age it will be written at; `nil`
    /// when it is over `largestEntry`, or, `refreshing` an entry in use, when its write is
    /// already pending or `keepIfOld`'s bounds refuse it. One lock, so concurrent hits on one
    /// old entry queue it once.
    private func enqueue(_ render: CachedRender, for key: RenderCacheKey, refreshing: Bool) -> UInt64? {
        let size = render.bytes.readableBytes
        guard size <= settings.largestEntry else { return nil }
        let queued = state.withLockedValue { state -> (age: UInt64, startDrain: Bool)? in
            if refreshing {
                guard state.pending[key] == nil, state.admitsRefresh(of: size, settings) else { return nil }
                state.refreshCredit -= size
            } else {
                state.refreshCredit = min(state.refreshCredit + size, settings.refreshCreditBytes)
            }
            state.pending[key] = render
            pendingCount.store(state.pending.count, ordering: .releasing)
            state.queue.append(QueuedWrite(key: key, render: render, refreshing: refreshing))
            state.queuedBytes += size
            defer { state.draining = true }
            return (state.nextSequence + UInt64(state.queue.count - 1), !state.draining)
        }
        guard let queued else { return nil }
        if queued.startDrain {
            Task { [self] in
                do {
                    try await writer.run { self.drain() }
                } catch {
                    logger.error("render cache writer stopped", metadata: ["error": "\(error)"])
                }
            }
        }
        return queued.age
    }

    /// Waits until every queued write has been committed or dropped.
    public func flush() async throws {
        while state.withLockedValue({ $0.draining }) {
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    /// Live entries and bytes (pages in use, not the data file's high-water mark).
    public func usage() throws -> (entries: Int, bytes: Int) {
        try environment.read { txn in
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
            let batch = state.withLockedValue { state -> [(QueuedWrite, UInt64)] in
                var bytes = 0
                let taken = state.queue.prefix { entry in
                    defer { bytes += entry.bytes }
                    return bytes == 0 || bytes + entry.bytes <= settings.largestEntry
                }
                let batch = taken.enumerated().map { ($1, state.nextSequence + UInt64($0)) }
                state.nextSequence += UInt64(batch.count)
                state.queue.removeFirst(batch.count)
                state.queuedBytes -= taken.reduce(0) { $0 + $1.bytes }
                if batch.isEmpty { state.draining = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            write(batch)
            state.withLockedValue { state in
                for (entry, _) in batch where state.pending[entry.key] == entry.render { state.pending[entry.key] = nil }
                pendingCount.store(state.pending.count, ordering: .releasing)
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
    /// fails, the cache starts over empty rather than refusing every later write. A write
    /// again needs room too until the pages of the copy it replaces can be reused, but when
    /// the file has none for it, it is left out rather than make any.
    private func write(_ batch: [(QueuedWrite, UInt64)]) {
        let incoming = batch.reduce(0) { sum, write in
            sum + Self.footprint(key: write.0.key.bytes.count, value: write.0.storedBytes, pageSize: pageSize)
        }
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
            } catch let error as LMDBError where error.isMapFull && batch.contains(where: { $0.0.refreshing }) {
                // Writes again are optional: with no room for them they go, and make none.
                let fresh = batch.filter { !$0.0.refreshing }
                if !fresh.isEmpty { write(fresh) }
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

    /// Writes the batch; a write again of an entry the file holds at a young age by now (one
    /// written again since it was queued) is left out.
    private func insert(_ batch: [(QueuedWrite, UInt64)]) throws {
        let line = refreshBelow.load(ordering: .relaxed)
        try environment.write { txn in
            for (entry, sequence) in batch {
                let key = entry.key.bytes
                if let previous = try txn.get(renders, key: key, { CachedRender.sequence(of: $0) }) ?? nil {
                    if entry.refreshing, previous >= line { continue }
                    try txn.delete(ages, key: sequenceKey(previous))
                }
                try txn.put(renders, key: key, value: entry.render.encoded(sequence: sequence))
                try txn.put(ages, key: sequenceKey(sequence), value: key)
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
        recent.withLockedValue { $0.removeAll() }
        metrics.evictions.increment(by: removed)
    }

    /// When live data plus `incoming` bytes would pass `above` of the map, deletes the
    /// oldest entries until they fit under `to`.
    private func evict(above: Double, to: Double, making incoming: Int) throws {
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
            recent.withLockedValue { $0.removeAll() }
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

    /// Publishes the gauges and places `refreshBelow`: run after every batch the writer commits.
    private func publishUsage() throws {
        let (entries, bytes) = try usage()
        metrics.entries.record(entries)
        metrics.bytes.record(bytes)
        guard Double(bytes) > Double(settings.maxBytes) * settings.evictTo else {
            refreshBelow.store(0, ordering: .relaxed)
            state.withLockedValue { $0.refreshPlacedAt = nil }
            return
        }
        // Placing the line walks the oldest entries: again after a 32nd of them was written.
        let (next, placedAt) = state.withLockedValue { ($0.nextSequence, $0.refreshPlacedAt) }
        if let placedAt, next - min(next, placedAt) < UInt64(entries / 32) { return }
        refreshBelow.store(try refreshLine(holding: bytes / 2) ?? 0, ordering: .relaxed)
        state.withLockedValue { $0.refreshPlacedAt = next }
    }

    /// The age of the entry at which the oldest entries take `bytes` of the file (counted
    /// as `usage()` counts, in pages); `nil` when all of them take less.
    private func refreshLine(holding bytes: Int) throws -> UInt64? {
        try environment.read { txn in
            try txn.withCursor(ages) { cursor in
                var held = 0
                var entry = try cursor.first()
                while let (age, key) = entry {
                    let value = try txn.get(renders, key: key) { $0.count } ?? 0
                    held += Self.footprint(key: key.count, value: value, pageSize: pageSize)
                    if held >= bytes { return CachedRender.sequence(of: age) }
                    entry = try cursor.next()
                }
                return nil
            }
        }
    }

    /// About what an entry takes of the file: a value over half a page has overflow pages of
    /// its own, a smaller one shares a leaf page with its key; its age's entry is small.
    /// Leaf pages are never full, so small entries count a little less than they take.
    static func footprint(key: Int, value: Int, pageSize: Int) -> Int {
        let node = key + 16
        let stored = value + node > pageSize / 2 ? (value + 16 + pageSize - 1) / pageSize * pageSize + node : value + node
        return stored + key + 24
    }

    private func sequenceKey(_ sequence: UInt64) -> [UInt8] {
        withUnsafeBytes(of: sequence.bigEndian, Array.init)
    }
}
