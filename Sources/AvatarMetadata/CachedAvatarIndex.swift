import AvatarCore
import Foundation
import Synchronization

/// A node's short-lived copy of avatar records in front of a shared index: known and
/// unknown hashes alike, each for at most `lifetime`. Hits never reach the index.
/// `invalidate` (driven by change notifications) drops entries at once; the lifetime is
/// the safety net for notifications that never arrive. Over a store that others write, the
/// copy lags until `followsChanges(true)` says their changes are being followed.
public final class CachedAvatarIndex: AvatarIndex {
    private struct Entry {
        let record: AvatarRecord?
        let expires: ContinuousClock.Instant
    }

    private struct State {
        var entries: [AvatarHash: Entry] = [:]
        /// Bumped by every invalidation: a read that began before it must not be cached.
        var generation: UInt64 = 0
    }

    private let base: any AvatarIndex
    private let lifetime: Duration
    private let maxEntries: Int
    private let state = Mutex(State())
    private let following: Atomic<Bool>

    /// `othersWrite`: whether processes other than this one change `base`, so that the copy
    /// is exact only while their changes are followed.
    public init(_ base: any AvatarIndex, lifetime: Duration, othersWrite: Bool = false, maxEntries: Int = 100_000) {
        self.base = base
        self.lifetime = lifetime
        self.maxEntries = maxEntries
        following = Atomic(!othersWrite)
    }

    public var recordsMayLag: Bool { !following.load(ordering: .relaxed) }

    /// Records whether other writers' changes reach `invalidate` now (a change listener
    /// connected or lost).
    public func followsChanges(_ followed: Bool) {
        following.store(followed, ordering: .relaxed)
    }

    public func record(for hash: AvatarHash) async throws(AvatarError) -> AvatarRecord? {
        let now = ContinuousClock.now
        let (cached, generation) = state.withLock { ($0.entries[hash], $0.generation) }
        if let cached, cached.expires > now { return cached.record }
        let record = try await base.record(for: hash)
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.entries.count >= maxEntries {
                state.entries = state.entries.filter { $0.value.expires > now }
                if state.entries.count >= maxEntries { state.entries.removeAll(keepingCapacity: true) }
            }
            state.entries[hash] = Entry(record: record, expires: now + lifetime)
        }
        return record
    }

    public func recordInMemory(for hash: AvatarHash) -> AvatarRecord?? {
        let now = ContinuousClock.now
        guard let cached = state.withLock({ $0.entries[hash] }), cached.expires > now else { return nil }
        return .some(cached.record)
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
        state.withLock { state in
            state.entries[hash] = nil
            state.generation &+= 1
        }
    }

    /// Forgets everything, e.g. after change notifications may have been missed.
    public func invalidateAll() {
        state.withLock { state in
            state.entries.removeAll()
            state.generation &+= 1
        }
    }
}
