import AvatarCore
import AvatarMetadata
import AvatarTestSupport
import Foundation
import Testing

@Suite struct EmbeddedAvatarIndexTests {
    let hash = AvatarHash("0123456789abcdef0123456789abcdef")!

    func facts(version: String, rating: Rating = .g) -> AvatarFacts {
        AvatarFacts(hash: hash, version: version, format: .jpeg, width: 10, height: 20, bytes: 300, rating: rating)
    }

    @Test func saveReplaceAndRemove() async throws {
        let index = try EmbeddedAvatarIndex(path: try temporaryDirectory())
        #expect(try await index.record(for: hash) == nil)

        let created = Date(timeIntervalSince1970: 1_700_000_000)
        let first = try await index.save(facts(version: "v1"), at: created)
        #expect(first.replaced == nil)
        #expect(first.record.createdAt == created && first.record.updatedAt == created)

        let later = created.addingTimeInterval(60)
        let second = try await index.save(facts(version: "v2", rating: .pg), at: later)
        #expect(second.replaced == first.record)
        #expect(second.record.version == "v2" && second.record.rating == .pg)
        #expect(second.record.createdAt == created && second.record.updatedAt == later)
        #expect(try await index.record(for: hash) == second.record)

        #expect(try await index.remove(hash) == second.record)
        #expect(try await index.remove(hash) == nil)
        #expect(try await index.record(for: hash) == nil)
        try await index.checkReady()
        try await index.shutdown()
    }

    @Test func recordsAreDurable() async throws {
        let path = try temporaryDirectory()
        let saved: SavedRecord
        do {
            let index = try EmbeddedAvatarIndex(path: path)
            saved = try await index.save(facts(version: "v1"), at: Date(timeIntervalSince1970: 1_700_000_000.123))
            try await index.shutdown()
        }
        let reopened = try EmbeddedAvatarIndex(path: path)
        #expect(try await reopened.record(for: hash) == saved.record)
        try await reopened.shutdown()
    }
}
