import AsyncHTTPClient
import AvatarCore
import AvatarMetadata
import AvatarTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import CoreMetrics
import Synchronization
import Testing

@testable import Purges

/// The sender against a real store and a real receiver: what it settles, within what time.
@Suite struct PurgeSenderTests {
    let hash = AvatarHash("0123456789abcdef0123456789abcdef")!

    /// Every claim, whatever targets share it, fits its lease: at most `batchesPerClaim`
    /// batches of requests to any one target, each ending by its deadline.
    @Test(arguments: [
        [PurgeTarget.varnish(base: URL(string: "http://v")!)],
        [.webhook(URL(string: "http://w")!), .varnish(base: URL(string: "http://v")!)],
        [.fastly(serviceID: "s", token: "t", api: URL(string: "http://f")!), .cloudflare(zoneID: "z", token: "t", api: URL(string: "http://c")!)],
    ])
    func aClaimEndsWithinItsLease(targets: [PurgeTarget]) {
        let timeout = Duration.seconds(2)
        let (limit, lease) = PurgeSender.claimSize(for: targets, attemptTimeout: timeout)
        let claim = (0..<limit).map { index in
            PendingPurge(
                id: UUID(), target: "t", event: .upload, hash: AvatarHash(String(format: "%032x", index))!, version: "v",
                changedAt: Date())
        }
        for target in targets {
            let batches = (target.requests(for: claim, webhookSecret: []).count + PurgeSender.requestsAtOnce - 1)
                / PurgeSender.requestsAtOnce
            #expect(batches <= PurgeSender.batchesPerClaim)
            #expect(timeout * batches < lease)
        }
    }

    /// A receiver that never answers costs one deadline: the purge is settled as failed (not
    /// left leased) and due again a second later, when the next round sends it.
    @Test func aStalledTargetCostsOneDeadlineThenTheRetrySucceeds() async throws {
        let stalled = Atomic(true)
        let received = Atomic(0)
        let router = Router()
        router.post("/hook") { _, _ -> Response in
            guard !stalled.load(ordering: .relaxed) else {
                // Answers long past the deadline, once the test lets it.
                while stalled.load(ordering: .relaxed) { try await Task.sleep(for: .milliseconds(50)) }
                return Response(status: .noContent)
            }
            received.add(1, ordering: .relaxed)
            return Response(status: .noContent)
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let target = PurgeTarget.webhook(URL(string: "http://127.0.0.1:\(try #require(client.port))/hook")!)
            var settings = PurgeSettings()
            settings.targets = [target]
            settings.webhookSecret = Array("a webhook secret of some length".utf8)
            settings.attemptTimeout = .milliseconds(300)
            let index = try EmbeddedAvatarIndex(path: try temporaryDirectory("purge-sender"), outbox: settings.outbox)
            _ = try await index.save(
                AvatarFacts(hash: hash, original: "v1", format: .png, width: 10, height: 10, bytes: 100, rating: .g),
                at: Date())
            let sender = PurgeSender(
                queue: index, settings: settings, client: HTTPClient.shared, logger: Logger(label: "purge-sender-test"),
                metricsFactory: NOOPMetricsHandler.instance)

            let started = ContinuousClock.now
            await sender.round()
            let took = ContinuousClock.now - started
            #expect(took < .seconds(2), "a stalled answer costs its deadline (\(took))")
            #expect(try await index.backlog().count == 1 && received.load(ordering: .relaxed) == 0)

            stalled.store(false, ordering: .relaxed)
            try await Task.sleep(for: .seconds(1.2))
            await sender.round()
            #expect(try await index.backlog().count == 0)
            #expect(received.load(ordering: .relaxed) == 1)
            try await index.shutdown()
        }
    }
}
