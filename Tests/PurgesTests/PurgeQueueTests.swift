import AvatarCore
import AvatarMetadata
import AvatarTestSupport
import Foundation
import Testing

@testable import Purges

private let hash = AvatarHash("0123456789abcdef0123456789abcdef")!

private func facts(_ original: String) -> AvatarFacts {
    AvatarFacts(hash: hash, original: original, format: .png, width: 10, height: 10, bytes: 100, rating: .g)
}

@Suite struct EmbeddedPurgeQueueTests {
    let outbox = PurgeOutbox(targets: ["varnish http://a", "webhook http://b"])

    @Test func everyChangeWritesOnePurgePerTargetInItsTransaction() async throws {
        let path = try temporaryDirectory("purge-queue")
        let index = try EmbeddedAvatarIndex(path: path, outbox: outbox)
        let now = Date()
        let saved = try await index.save(facts("aaaa"), at: now)
        _ = try await index.remove(hash)
        _ = try await index.remove(hash)  // nothing left: no purge
        let due = try await index.claimAll(at: Date(), leaseUntil: Date().addingTimeInterval(15), limit: 100)
        #expect(due.count == 4)
        #expect(Set(due.map(\.target)) == Set(outbox.targets))
        let uploads = due.filter { $0.event == .upload }
        #expect(uploads.count == 2 && Set(uploads.map(\.id)).count == 1, "one id per change, shared by its targets")
        #expect(uploads.allSatisfy { $0.version == saved.record.version && $0.hash == hash })
        #expect(due.filter { $0.event == .delete }.allSatisfy { $0.version == nil })
        try await index.shutdown()
    }

    @Test func claimsAreLeasesAndSettlementsRemoveOrReschedule() async throws {
        let path = try temporaryDirectory("purge-queue")
        let index = try EmbeddedAvatarIndex(path: path, outbox: PurgeOutbox(targets: ["webhook http://b"]))
        _ = try await index.save(facts("aaaa"), at: Date())
        let now = Date()
        let claimed = try await index.claimAll(at: now, leaseUntil: now.addingTimeInterval(15), limit: 10)
        #expect(claimed.count == 1)
        #expect(try await index.claimAll(at: now, leaseUntil: now.addingTimeInterval(15), limit: 10).isEmpty, "leased")
        #expect(try await index.claimAll(at: now.addingTimeInterval(16), leaseUntil: now.addingTimeInterval(30), limit: 10).count == 1,
            "a lease that ran out (its node died) is claimed again")

        let reclaimed = try await index.claimAll(at: now.addingTimeInterval(31), leaseUntil: now.addingTimeInterval(45), limit: 10)
        let retried = PurgeRetry(maxAge: .seconds(60)).afterFailure(try #require(reclaimed.first), at: now.addingTimeInterval(31))
        try await index.settle([PurgeSettlement(claimed: try #require(reclaimed.first), next: retried)])
        #expect(try await index.backlog().count == 1)
        #expect(try await index.claimAll(at: now.addingTimeInterval(31.5), leaseUntil: now.addingTimeInterval(60), limit: 10).isEmpty)
        let again = try await index.claimAll(at: now.addingTimeInterval(32), leaseUntil: now.addingTimeInterval(60), limit: 10)
        #expect(again.first?.attempts == 1 && again.first?.id == claimed.first?.id)
        try await index.settle(again.map { PurgeSettlement(claimed: $0, next: nil) })
        #expect(try await index.backlog() == PurgeBacklog(count: 0, oldest: nil))
        try await index.shutdown()
    }

    @Test func pendingPurgesOutliveTheProcess() async throws {
        let path = try temporaryDirectory("purge-queue")
        let written = Date()
        do {
            let index = try EmbeddedAvatarIndex(path: path, outbox: outbox)
            _ = try await index.save(facts("aaaa"), at: written)
            try await index.shutdown()
        }
        let reopened = try EmbeddedAvatarIndex(path: path, outbox: outbox)
        let backlog = try await reopened.backlog()
        #expect(backlog.count == 2)
        #expect(abs((backlog.oldest ?? .distantPast).timeIntervalSince(written)) < 0.01)
        #expect(try await reopened.claimAll(at: Date(), leaseUntil: Date().addingTimeInterval(15), limit: 10).count == 2)
        try await reopened.shutdown()
    }

    @Test func aClaimTakesAtMostItsLimitInDueOrder() async throws {
        let path = try temporaryDirectory("purge-queue")
        let index = try EmbeddedAvatarIndex(path: path, outbox: PurgeOutbox(targets: ["webhook http://b"]))
        let start = Date()
        for step in 0..<5 { _ = try await index.save(facts("a\(step)"), at: start.addingTimeInterval(Double(step))) }
        let first = try await index.claimAll(at: start.addingTimeInterval(10), leaseUntil: start.addingTimeInterval(100), limit: 3)
        #expect(first.count == 3)
        // The store keeps whole milliseconds.
        #expect(zip(first, 0..<3).allSatisfy { abs($0.changedAt.timeIntervalSince(start) - Double($1)) < 0.002 })
        #expect(try await index.claimAll(at: start.addingTimeInterval(2.5), leaseUntil: start.addingTimeInterval(100), limit: 10).isEmpty)
        #expect(try await index.claimAll(at: start.addingTimeInterval(10), leaseUntil: start.addingTimeInterval(100), limit: 10).count == 2)
        try await index.shutdown()
    }
}
