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
}

/// Time that passes only when a test moves it, so lifetimes are tested without waiting for them.
private final class HandMovedClock: Sendable {
    private let start = ContinuousClock.now
    private let elapsed = NIOLockedValueBox(Duration.zero)

    var now: ContinuousClock.Instant { start + elapsed.withLockedValue { $0 } }

    func move(to time: Duration) { elapsed.withLockedValue { $0 = time } }
}
