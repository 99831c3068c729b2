import AvatarCore
import AvatarTestSupport
import Foundation
import NIOConcurrencyHelpers
import Testing

@testable import AvatarMetadata

/// A node's copy of records: exact over a store only it writes; over a shared store, lagging
/// until, and whenever not, other writers' changes are followed.
@Suite struct CachedAvatarIndexTests {
    let hash = AvatarHash("0123456789abcdef0123456789abcdef")!

    @Test func aStoreOnlyThisNodeWritesNeverLags() throws {
        let cached = CachedAvatarIndex(try EmbeddedAvatarIndex(path: try temporaryDirectory()), lifetime: .seconds(30))
        #expect(!cached.recordsMayLag)
    }

    @Test func aSharedStoreLagsWhileChangesAreNotFollowed() async throws {
        let base = try EmbeddedAvatarIndex(path: try temporaryDirectory())
        let cached = CachedAvatarIndex(base, lifetime: .seconds(30), othersWrite: true)
        #expect(cached.recordsMayLag, "nothing follows changes before the listener listens")
        cached.followsChanges(true)
        #expect(!cached.recordsMayLag)

        // Another writer's change, missed while the listener is down: the copy is kept and
        // says it may lag.
        #expect(try await cached.record(for: hash) == nil)
        cached.followsChanges(false)
        _ = try await base.save(
            AvatarFacts(hash: hash, original: "v1", format: .jpeg, width: 10, height: 10, bytes: 100, rating: .g),
            at: Date())
        #expect(try await cached.record(for: hash) == nil && cached.recordsMayLag)
        #expect(cached.recordInMemory(for: hash) == .some(nil))
    }

    /// A change made behind the copy's back, as `avatars import` makes one beside a serving node.
    private func saveBehind(_ base: EmbeddedAvatarIndex) async throws {
        _ = try await base.save(
            AvatarFacts(hash: hash, original: "v1", format: .jpeg, width: 10, height: 10, bytes: 100, rating: .g),
            at: Date())
    }

    @Test func aCopyInDemandIsReadAgainInItsLastQuarterAndNeverFallsOut() async throws {
        let base = try EmbeddedAvatarIndex(path: try temporaryDirectory())
        let clock = HandMovedClock()
        let cached = CachedAvatarIndex(base, lifetime: .seconds(100), now: { clock.now })
        #expect(try await cached.record(for: hash) == nil)
        try await saveBehind(base)

        clock.move(to: .seconds(70))
        #expect(cached.recordInMemory(for: hash) == .some(nil))
        try await Task.sleep(for: .milliseconds(300))
        #expect(cached.recordInMemory(for: hash) == .some(nil), "read again before its last quarter")

        clock.move(to: .seconds(80))
        let deadline = ContinuousClock.now + .seconds(20)
        var seen = false
        while !seen, ContinuousClock.now < deadline {
            let found = cached.recordInMemory(for: hash)
            #expect(found != nil, "a copy asked for left memory")
            if case .some(.some(let record)) = found { seen = record.original == "v1" }
            if !seen { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(seen, "the copy was not read again in its last quarter")

        // Read again at 80 s, so trusted until 180 s rather than 100 s.
        clock.move(to: .seconds(179))
        #expect(cached.recordInMemory(for: hash)??.original == "v1")
        try await base.shutdown()
    }

    @Test func aCopyNobodyAsksForExpires() async throws {
        let base = try EmbeddedAvatarIndex(path: try temporaryDirectory())
        let clock = HandMovedClock()
        let cached = CachedAvatarIndex(base, lifetime: .seconds(100), now: { clock.now })
        #expect(try await cached.record(for: hash) == nil)
        try await saveBehind(base)
        clock.move(to: .seconds(101))
        #expect(cached.recordInMemory(for: hash) == nil)
        #expect(try await cached.record(for: hash)?.original == "v1")
        try await base.shutdown()
    }

    /// A lease ends when its hash changes, when everything is forgotten, or when the copy
    /// is to be read again; a change of a hash in another stripe leaves it standing.
    @Test func aLeaseHoldsUntilItsHashChangesOrItsCopyIsDueForReading() async throws {
        let base = try EmbeddedAvatarIndex(path: try temporaryDirectory())
        let clock = HandMovedClock()
        let cached = CachedAvatarIndex(base, lifetime: .seconds(100), now: { clock.now })
        #expect(cached.heldRecord(for: hash) == nil, "nothing is held before a read")
        #expect(try await cached.record(for: hash) == nil)
        let held = try #require(cached.heldRecord(for: hash))
        #expect(held.record == nil && cached.holds(held.lease))

        let elsewhere = AvatarHash("f123456789abcdef0123456789abcdef")!
        #expect(RecordChangeCounters.stripe(of: elsewhere) != RecordChangeCounters.stripe(of: hash))
        cached.invalidate(elsewhere)
        #expect(cached.holds(held.lease), "another stripe's change ended the lease")

        _ = try await cached.save(
            AvatarFacts(hash: hash, original: "v1", format: .jpeg, width: 10, height: 10, bytes: 100, rating: .g),
            at: Date())
        #expect(!cached.holds(held.lease), "a save through the index left the lease standing")
        #expect(try await cached.record(for: hash)?.original == "v1")
        let saved = try #require(cached.heldRecord(for: hash))
        #expect(saved.record?.original == "v1" && cached.holds(saved.lease))

        cached.invalidateAll()
        #expect(!cached.holds(saved.lease), "forgetting everything left the lease standing")
        _ = try await cached.record(for: hash)
        let again = try #require(cached.heldRecord(for: hash))
        clock.move(to: .seconds(74))
        #expect(cached.holds(again.lease))
        // From 75 s the copy is read again, and answers made from it are made again.
        clock.move(to: .seconds(75))
        #expect(!cached.holds(again.lease))
        try await base.shutdown()
    }

    /// Records forgotten to make room may come back changed: their leases end.
    @Test func makingRoomEndsTheLeasesOfWhatItForgets() async throws {
        let base = try EmbeddedAvatarIndex(path: try temporaryDirectory())
        let cached = CachedAvatarIndex(base, lifetime: .seconds(100), maxEntries: 1)
        #expect(try await cached.record(for: hash) == nil)
        let held = try #require(cached.heldRecord(for: hash))
        #expect(cached.holds(held.lease))
        _ = try await cached.record(for: AvatarHash("f123456789abcdef0123456789abcdef")!)
        #expect(cached.heldRecord(for: hash) == nil && !cached.holds(held.lease))
        try await base.shutdown()
    }

    /// Leases of hashes in the same stripe end together; stripes follow the first three
    /// hex digits.
    @Test func stripesFollowTheFirstThreeHexDigits() {
        let stripe = { (text: String) in RecordChangeCounters.stripe(of: AvatarHash(text)!) }
        #expect(stripe("00000000000000000000000000000000") == 0)
        #expect(stripe("fff00000000000000000000000000000") == 4095)
        #expect(stripe("a9c00000000000000000000000000000") == 0xa9c)
        #expect(stripe("A9C00000000000000000000000000000") == 0xa9c)
        #expect(stripe("a9cfffffffffffffffffffffffffffff") == 0xa9c)
    }
}

/// Time that passes only when a test moves it, so lifetimes are tested without waiting for them.
private final class HandMovedClock: Sendable {
    private let start = ContinuousClock.now
    private let elapsed = NIOLockedValueBox(Duration.zero)

    var now: ContinuousClock.Instant { start + elapsed.withLockedValue { $0 } }

    func move(to time: Duration) { elapsed.withLockedValue { $0 = time } }
}
