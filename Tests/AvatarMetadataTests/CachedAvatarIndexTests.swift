import AvatarCore
import AvatarTestSupport
import Foundation
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

    @Test func aCopyInDemandIsReadAgainBeforeItExpiresAndNeverFallsOut() async throws {
        let base = try EmbeddedAvatarIndex(path: try temporaryDirectory())
        let cached = CachedAvatarIndex(base, lifetime: .seconds(3))
        let start = ContinuousClock.now
        #expect(try await cached.record(for: hash) == nil)
        try await saveBehind(base)
        var seenAt: Duration?
        while ContinuousClock.now - start < .seconds(7) {
            let found = cached.recordInMemory(for: hash)
            #expect(found != nil, "a copy asked for all along left memory at \(ContinuousClock.now - start)")
            if seenAt == nil, case .some(.some(let record)) = found, record.original == "v1" {
                seenAt = ContinuousClock.now - start
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let seen = try #require(seenAt, "the copy was never read again")
        // Trusted for its first three quarters, read again before its lifetime ran out.
        #expect(seen > .milliseconds(2_200) && seen < .seconds(3), "the change was seen at \(seen)")
    }

    @Test func aCopyNobodyAsksForExpires() async throws {
        let base = try EmbeddedAvatarIndex(path: try temporaryDirectory())
        let cached = CachedAvatarIndex(base, lifetime: .seconds(1))
        #expect(try await cached.record(for: hash) == nil)
        try await saveBehind(base)
        try await Task.sleep(for: .milliseconds(1_200))
        #expect(cached.recordInMemory(for: hash) == nil)
        #expect(try await cached.record(for: hash)?.original == "v1")
    }
}
