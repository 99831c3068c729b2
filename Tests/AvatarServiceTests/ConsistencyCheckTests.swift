import AvatarCore
import AvatarMetadata
import AvatarService
import AvatarTestSupport
import Foundation
import OriginalStorage
import Testing

/// `avatars check` on the embedded stores: what it reports, what `--repair` removes, and
/// that it never removes an original a record points at.
@Suite struct ConsistencyCheckTests {
    let node: ServiceFixture
    let other = AvatarHash("abababababababababababababababab")!

    init() throws {
        node = try ServiceFixture()
    }

    func check(repair: Bool = false, minAge: TimeInterval = 3600, now: Date = Date()) async throws -> ConsistencyReport {
        try await ConsistencyCheck(index: node.index, originals: node.originals, cachePath: node.root + "/cache")
            .run(repair: repair, minAge: minAge, now: now)
    }

    /// An original with no record, as a crash between writing it and saving the record leaves.
    func orphan(_ bytes: [UInt8]) async throws -> OriginalKey {
        let key = OriginalKey(hash: other, version: OriginalVersion.of(bytes))
        try await node.originals.put(key, bytes: bytes, format: .png)
        return key
    }

    @Test func aConsistentStoreReportsItsCounts() async throws {
        _ = try await node.service.upload(try Fixtures.bytes("photo.jpg"), for: node.hash, rating: .g)
        let report = try await check()
        #expect(report.records == 1 && report.originals == 1 && report.isConsistent && report.repaired == 0)
        #expect(report.orphans.isEmpty && report.temporaries.isEmpty && report.unusable.isEmpty && report.unrecognised.isEmpty)
    }

    @Test func leftoversAreReportedAndRemovedOnlyOnceOldEnough() async throws {
        let stored = try await node.service.upload(try Fixtures.bytes("photo.jpg"), for: node.hash, rating: .g)
        let key = try await orphan([9, 9, 9])
        let temporary = "\(node.root)/originals/01/\(node.hash.value)/.\(stored.record.original).crash.tmp"
        try Data([1]).write(to: URL(fileURLWithPath: temporary))
        let aside = node.root + "/cache.unusable-1700000000"
        try FileManager.default.createDirectory(atPath: aside, withIntermediateDirectories: true)

        let found = try await check()
        #expect(found.orphans == ["ab/\(other.value)/\(key.version)"])
        #expect(found.temporaries == ["01/\(node.hash.value)/.\(stored.record.original).crash.tmp"])
        #expect(found.unusable == [aside])
        #expect(found.isConsistent && found.originals == 2 && found.records == 1)

        // Young leftovers stay: an upload may be writing them.
        #expect(try await check(repair: true).repaired == 0)
        #expect(try await node.originals.get(key) != nil)

        let repaired = try await check(repair: true, now: Date().addingTimeInterval(7200))
        #expect(repaired.repaired == 3)
        #expect(try await node.originals.get(key) == nil)
        #expect(!FileManager.default.fileExists(atPath: temporary) && !FileManager.default.fileExists(atPath: aside))
        #expect(try await node.originals.get(OriginalKey(hash: node.hash, version: stored.record.original)) != nil)
        let after = try await check()
        #expect(after.orphans.isEmpty && after.temporaries.isEmpty && after.unusable.isEmpty && after.originals == 1)
    }

    @Test func aRecordWithoutItsOriginalIsInconsistentAndRepairNeverTouchesItsPeers() async throws {
        let stored = try await node.service.upload(try Fixtures.bytes("photo.png"), for: node.hash, rating: .g)
        try await node.originals.delete(OriginalKey(hash: node.hash, version: stored.record.original))
        let report = try await check(repair: true, minAge: 0)
        #expect(!report.isConsistent)
        #expect(report.missingOriginals == ["\(node.hash.value)/\(stored.record.original)"])
        #expect(try await node.index.record(for: node.hash) == stored.record)
    }

    @Test func anOrphanThatARecordPointsAtAgainIsKept() async throws {
        // The record is saved after the walk would have listed the original: the fresh read keeps it.
        let bytes = try Fixtures.bytes("alpha.png")
        let key = try await orphan(bytes)
        _ = try await node.service.upload(bytes, for: other, rating: .g)
        let report = try await check(repair: true, minAge: 0)
        #expect(report.orphans.isEmpty && report.repaired == 0)
        #expect(try await node.originals.get(key) == bytes)
    }

    @Test func aWalkOfManyPagesSeesEveryRecord() async throws {
        var generator = SeededGenerator(seed: 3)
        for _ in 0..<2_100 {
            let hash = AvatarHash((0..<32).map { _ in String(Int.random(in: 0..<16, using: &generator), radix: 16) }.joined())!
            _ = try await node.index.save(
                AvatarFacts(hash: hash, original: OriginalVersion.of(Array(hash.value.utf8)), format: .png, width: 1, height: 1,
                    bytes: 1, rating: .g),
                at: Date())
        }
        let report = try await check()
        #expect(report.records == 2_100 && report.missingOriginals.count == 2_100 && report.originals == 0)
    }
}
