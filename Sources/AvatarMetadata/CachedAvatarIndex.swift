import AvatarCore
import Foundation
import NIOConcurrencyHelpers
import Synchronization

/// A node's short-lived copy of avatar records in front of a shared index: known and
/// unknown hashes alike, each for at most `lifetime`. Hits never reach the index.
/// `invalidate` (driven by change notifications) drops entries at once; the lifetime is
/// the safety net for notifications that never arrive. Over a store that others write, the
/// copy lags until `followsChanges(true)` says their changes are being followed.
///
/// A copy still asked for in the last quarter of its lifetime is read again in the
/// background (at most `maxRefreshes` at once), so a hash in steady demand never expires:
/// otherwise the records of a warm node, read at about the same time, would all expire
/// together and every request for them would wait for the index at once.
public final class CachedAvatarIndex: AvatarIndex {
    private struct Entry {
        let record: AvatarRecord?
        let expires: ContinuousClock.Instant
        /// From then on, a lookup starts a background read of the record.
        let refreshAfter: ContinuousClock.Instant
        var refreshing = false
    }

    private struct State {
        var entries: [AvatarHash: Entry] = [:]
        /// Bumped by every invalidation: a read that began before it must not be cached.
        var generation: UInt64 = 0
        var refreshesInFlight = 0
    }

    private let base: any AvatarIndex
    private let lifetime: Duration
    private let maxEntries: Int
    private let maxRefreshes: Int
    private let state = NIOLockedValueBox(State())
    private let following: Synchronization.Atomic<Bool>
    /// Ends the leases of what changes: records `invalidate` and `invalidateAll` forget, and
    /// records kept over different ones or forgotten to make room.
    private let changes = RecordChangeCounters()
    private let now: @Sendable () -> ContinuousClock.Instant

    /// `othersWrite`: whether processes other than this one change `base`, so that the copy
    /// is exact only while their changes are followed. `now` is the clock lifetimes are
    /// measured by; tests move it rather than wait.
    public init(
        _ base: any AvatarIndex, lifetime: Duration, othersWrite: Bool = false, maxEntries: Int = 100_000,
        maxRefreshes: Int = 16, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }
    ) {
        self.base = base
        self.now = now
        self.lifetime = lifetime
        self.maxEntries = maxEntries
        self.maxRefreshes = maxRefreshes
        following = Synchronization.Atomic(!othersWrite)
    }

    public var recordsMayLag: Bool { !following.load(ordering: .relaxed) }

    /// Records whether other writers' changes reach `invalidate` now (a change listener
    /// connected or lost).
    public func followsChanges(_ followed: Bool) {
        following.store(followed, ordering: .relaxed)
    }

    public func record(for hash: AvatarHash) async throws(AvatarError) -> AvatarRecord? {
        if let cached = recordInMemory(for: hash) { return cached }
        let (now, generation) = (self.now(), state.withLockedValue { $0.generation })
        let record = try await base.record(for: hash)
        state.withLockedValue { keep(record, for: hash, readAt: now, generation: generation, in: &$0) }
        return record
    }

    public func heldRecord(for hash: AvatarHash) -> HeldRecord? {
        let counts = changes.counts(for: hash)
        let now = self.now()
        let (cached, refresh) = state.withLockedValue { state -> (Entry?, UInt64?) in
            guard var entry = state.entries[hash], entry.expires > now else { return (nil, nil) }
            guard now >= entry.refreshAfter, !entry.refreshing, state.refreshesInFlight < maxRefreshes else {
                return (entry, nil)
            }
            entry.refreshing = true
            state.entries[hash] = entry
            state.refreshesInFlight += 1
            return (entry, state.generation)
        }
        if let generation = refresh {
            Task { await self.refresh(hash, generation: generation) }
        }
        guard let cached else { return nil }
        // Up to where a lookup reads the record again: answers made from it are then made
        // again from what that read finds.
        let lease = RecordLease(
            stripe: counts.stripe, stripeChanges: counts.stripeChanges, allChanges: counts.allChanges,
            until: cached.refreshAfter)
        return HeldRecord(record: cached.record, lease: lease)
    }

    public func holds(_ lease: RecordLease) -> Bool {
        now() < lease.until && changes.unchanged(since: lease)
    }

    /// Reads `hash`'s record again for a copy near the end of its lifetime. A failed read
    /// is not retried (the copy stays marked): the copy expires, and the next request then
    /// reads the index itself, so an index that is down sees one background read per copy.
    private func refresh(_ hash: AvatarHash, generation: UInt64) async {
        let now = self.now()
        let read: AvatarRecord??
        do { read = .some(try await base.record(for: hash)) } catch { read = nil }
        state.withLockedValue { state in
            state.refreshesInFlight -= 1
            if case .some(let record) = read { keep(record, for: hash, readAt: now, generation: generation, in: &state) }
        }
    }

    /// Keeps `record`, read from the index at `readAt`, unless an invalidation came since
    /// the read began (`generation`).
    private func keep(
        _ record: AvatarRecord?, for hash: AvatarHash, readAt now: ContinuousClock.Instant, generation: UInt64,
        in state: inout State
    ) {
        guard state.generation == generation else { return }
        if state.entries.count >= maxEntries, state.entries[hash] == nil {
            state.entries = state.entries.filter { $0.value.expires > now }
            if state.entries.count >= maxEntries { state.entries.removeAll(keepingCapacity: true) }
            // A record read again after this may differ from one a lease was taken on.
            changes.changedAll()
        }
        // Two reads in flight across another writer's change may keep different records,
        // the older last: a lease on the one replaced must not outlive it.
        if let kept = state.entries[hash], kept.record != record { changes.changed(hash) }
        state.entries[hash] = Entry(record: record, expires: now + lifetime, refreshAfter: now + lifetime * 0.75)
    }

    public func save(_ facts: AvatarFacts, at now: Date) async throws(AvatarError) -> SavedRecord {
        defer { invalidate(facts.hash) }
        return try await base.save(facts, at: now)
    }

    public func remove(_ hash: AvatarHash) async throws(AvatarError) -> AvatarRecord? {
        defer { invalidate(hash) }
        return try await base.remove(hash)
    }

    /// Pages bypass the cache: a walk of every record must see the store itself.
    public func records(after hash: AvatarHash?, limit: Int) async throws(AvatarError) -> [AvatarRecord] {
        try await base.records(after: hash, limit: limit)
    }

    public func checkReady() async throws(AvatarError) {
        try await base.checkReady()
    }

    public func exclusively<T: Sendable>(_ hash: AvatarHash, _ body: @escaping @Sendable () async throws(AvatarError) -> T)
        async throws(AvatarError) -> T
    {
        try await base.exclusively(hash, body)
    }

    /// Forgets what is cached for `hash`, e.g. because another node changed it.
    public func invalidate(_ hash: AvatarHash) {
        state.withLockedValue { state in
            state.entries[hash] = nil
            state.generation &+= 1
            changes.changed(hash)
        }
    }

    /// Forgets everything, e.g. after change notifications may have been missed.
    public func invalidateAll() {
        state.withLockedValue { state in
            state.entries.removeAll()
            state.generation &+= 1
            changes.changedAll()
        }
    }
}
