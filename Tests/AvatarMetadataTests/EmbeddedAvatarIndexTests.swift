import AvatarCore
import AvatarMetadata
import AvatarTestSupport
import Foundation
import Testing

/// The behaviour every index shares is in PostgresMetadataTests' contract suite; this is
/// what only the embedded store promises.
@Suite struct EmbeddedAvatarIndexTests {
    let hash = AvatarHash("0123456789abcdef0123456789abcdef")!

    func facts(version: String, rating: Rating = .g) -> AvatarFacts {
        AvatarFacts(hash: hash, original: version, format: .jpeg, width: 10, height: 20, bytes: 300, rating: rating)
    }

    @Test func aFloodOfLookupsOfUnknownHashesIsAnsweredOrRefusedAtOnce() async throws {
        let index = try EmbeddedAvatarIndex(path: try temporaryDirectory())
        let started = ContinuousClock.now
        let outcomes = try await withThrowingTaskGroup(of: String.self) { group in
            for number in 0..<3_000 {
                group.addTask {
                    let hash = AvatarHash(String(format: "%032x", number))!
                    do {
                        return try await index.record(for: hash) == nil ? "unknown" : "found"
                    } catch {
                        return (error as? AvatarError) == .overloaded ? "overloaded" : "\(error)"
                    }
                }
            }
            return try await group.reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 }
        }
        #expect(Set(outcomes.keys).isSubset(of: ["unknown", "overloaded"]), "\(outcomes)")
        #expect(outcomes["unknown", default: 0] >= EmbeddedAvatarIndex.maxWaitingReads)
        #expect(started.duration(to: .now) < .seconds(30))  // at once, on a machine busy with other tests
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
