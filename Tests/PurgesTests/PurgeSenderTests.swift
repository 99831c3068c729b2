import AsyncHTTPClient
import AvatarCore
import AvatarMetadata
import AvatarTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import CoreMetrics
import NIOConcurrencyHelpers
import Synchronization
import Testing

@testable import Purges

/// The sender against a real store and a real receiver: what it settles, within what time.
@Suite struct PurgeSenderTests {
    let hash = AvatarHash("0123456789abcdef0123456789abcdef")!

    /// Every target's claim fits its lease: at most `batchesPerClaim` batches of its requests,
    /// each ending by its deadline.
    @Test(arguments: [
        PurgeTarget.varnish(base: URL(string: "http://v")!), .webhook(URL(string: "http://w")!),
        .fastly(serviceID: "s", token: "t", api: URL(string: "http://f")!),
        .cloudflare(zoneID: "z", token: "t", api: URL(string: "http://c")!),
    ])
    func aClaimEndsWithinItsLease(target: PurgeTarget) {
        let timeout = Duration.seconds(2)
        let (limit, lease) = PurgeSender.claimSize(for: target, attemptTimeout: timeout)
        let claim = (0..<limit).map { index in
            PendingPurge(
                id: UUID(), target: "t", event: .upload, hash: AvatarHash(String(format: "%032x", index))!, version: "v",
                changedAt: Date())
        }
        let requests = target.requests(for: claim, webhookSecret: [])
        let batches = (requests.count + PurgeSender.requestsAtOnce - 1) / PurgeSender.requestsAtOnce
        #expect(batches <= PurgeSender.batchesPerClaim)
        #expect(timeout * batches < lease)
        #expect(requests.allSatisfy { $0.purges.count <= target.keysPerRequest }, "batched as the provider allows")
        #expect(limit >= target.keysPerRequest, "a claim can fill a request")
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
            // The receiver answers only once the test lets it: without the deadline the round would wait for ever.
            #expect(took < .seconds(10), "a stalled answer costs its deadline (\(took))")
            #expect(try await index.backlog().count == 1 && received.load(ordering: .relaxed) == 0)

            stalled.store(false, ordering: .relaxed)
            // Due again a second after the failure: rounds until it is sent.
            let started2 = ContinuousClock.now
            while try await index.backlog().count > 0, ContinuousClock.now - started2 < .seconds(10) {
                try await Task.sleep(for: .milliseconds(200))
                await sender.round()
            }
            #expect(try await index.backlog().count == 0)
            // At least once: an answer that came past its deadline under load is sent again.
            #expect(received.load(ordering: .relaxed) >= 1)
            try await index.shutdown()
        }
    }

    /// A target that never answers holds back only its own purges: changes made one after
    /// another all reach a working target before the stalled one's first deadline has passed,
    /// which a round shared by both targets could not do.
    @Test func aStalledTargetNeverDelaysAnother() async throws {
        let released = Atomic(false)
        let arrivals = NIOLockedValueBox<[ContinuousClock.Instant]>([])
        let router = Router()
        router.post("/stalled") { _, _ -> Response in
            while !released.load(ordering: .relaxed) { try await Task.sleep(for: .milliseconds(50)) }
            return Response(status: .noContent)
        }
        router.post("/ok") { _, _ -> Response in
            arrivals.withLockedValue { $0.append(.now) }
            return Response(status: .noContent)
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            var settings = PurgeSettings()
            settings.targets = [
                .webhook(URL(string: "http://127.0.0.1:\(port)/stalled")!), .webhook(URL(string: "http://127.0.0.1:\(port)/ok")!),
            ]
            settings.webhookSecret = Array("a webhook secret of some length".utf8)
            settings.attemptTimeout = .seconds(20)
            let index = try EmbeddedAvatarIndex(path: try temporaryDirectory("purge-lanes"), outbox: settings.outbox)
            let sender = PurgeSender(
                queue: index, settings: settings, client: HTTPClient.shared, logger: Logger(label: "purge-lanes-test"),
                metricsFactory: NOOPMetricsHandler.instance)
            let running = Task { try await sender.run() }
            let first = ContinuousClock.now
            for version in ["v1", "v2", "v3"] {
                _ = try await index.save(
                    AvatarFacts(hash: hash, original: version, format: .png, width: 10, height: 10, bytes: 100, rating: .g),
                    at: Date())
                sender.wake()
                try await Task.sleep(for: .milliseconds(300))
            }
            while arrivals.withLockedValue({ $0.count }) < 3, ContinuousClock.now - first < .seconds(15) {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(arrivals.withLockedValue { $0.count } == 3, "every change reached the working target while the other stalled")
            released.store(true, ordering: .relaxed)
            running.cancel()
            _ = try? await running.value
            try await index.shutdown()
        }
    }
}
