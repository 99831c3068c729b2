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
}
