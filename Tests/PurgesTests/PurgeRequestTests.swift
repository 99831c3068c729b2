import AvatarCore
import Crypto
import Foundation
import Testing

@testable import Purges

private let changed = Date(timeIntervalSince1970: 1_764_626_400.25)

private func purge(_ hex: Character, target: String = "t", event: PurgeEvent = .upload, version: String? = "v1") -> PendingPurge {
    PendingPurge(
        id: UUID(uuidString: "6F9619FF-8B86-D011-B42D-00C04FC964FF")!, target: target, event: event,
        hash: AvatarHash(String(repeating: hex, count: 32))!, version: version, changedAt: changed)
}

private func hashes(_ count: Int) -> [PendingPurge] {
    (0..<count).map { index in
        var purge = purge("a")
        purge.hash = AvatarHash(String(format: "%032x", index))!
        return purge
    }
}

@Suite struct PurgeRequestTests {
    @Test func varnishGetsOnePurgeOfEveryKeyInOneHeader() throws {
        let target = PurgeTarget.varnish(base: URL(string: "http://127.0.0.1:6081")!)
        let requests = target.requests(for: [purge("a"), purge("b"), purge("a", event: .recrop)], webhookSecret: [])
        #expect(requests.count == 1)
        let request = try #require(requests.first)
        #expect(request.method == "PURGE")
        #expect(request.url.absoluteString == "http://127.0.0.1:6081/")
        #expect(request.headers.map(\.name) == ["xkey-purge"])
        #expect(request.headers.first?.value == "\(String(repeating: "a", count: 32)) \(String(repeating: "b", count: 32))")
        #expect(request.body == nil)
        #expect(request.purges.count == 3, "every purge the request covers is settled by it")
    }

    /// https://www.fastly.com/documentation/reference/api/purging/: `POST /service/{id}/purge/{key}`
    /// for one key; `POST /service/{id}/purge` with `Surrogate-Key: k1 k2 …` for up to 256.
    @Test func fastlyPurgesOneKeyByPathAndBatchesUpTo256() throws {
        let target = PurgeTarget.fastly(serviceID: "SU1Z0isxPaozGVKXdv0eY", token: "secret-token", api: URL(string: "https://api.fastly.com")!)
        let single = try #require(target.requests(for: [purge("c")], webhookSecret: []).first)
        #expect(single.method == "POST")
        #expect(single.url.absoluteString == "https://api.fastly.com/service/SU1Z0isxPaozGVKXdv0eY/purge/\(String(repeating: "c", count: 32))")
        #expect(single.headers.contains { $0.name == "Fastly-Key" && $0.value == "secret-token" })
        #expect(!single.headers.contains { $0.name == "Surrogate-Key" })

        let batched = target.requests(for: hashes(300), webhookSecret: [])
        #expect(batched.map(\.purges.count) == [256, 44])
        for request in batched {
            #expect(request.url.absoluteString == "https://api.fastly.com/service/SU1Z0isxPaozGVKXdv0eY/purge")
            let keys = try #require(request.headers.first { $0.name == "Surrogate-Key" }?.value).split(separator: " ")
            #expect(keys.count == request.purges.count)
            #expect(keys.map(String.init) == request.purges.map(\.hash.value))
        }
    }

    /// https://developers.cloudflare.com/api/resources/cache/methods/purge/:
    /// `POST /client/v4/zones/{zone_id}/purge_cache` with `{"tags": [...]}`, 100 per call.
    @Test func cloudflarePostsTagsWithinItsPerCallLimit() throws {
        let target = PurgeTarget.cloudflare(zoneID: "023e105f4ecef8ad9ca31a8372d0c353", token: "cf-token", api: URL(string: "https://api.cloudflare.com")!)
        let requests = target.requests(for: hashes(150), webhookSecret: [])
        #expect(requests.map(\.purges.count) == [100, 50])
        let first = try #require(requests.first)
        #expect(first.method == "POST")
        #expect(first.url.absoluteString == "https://api.cloudflare.com/client/v4/zones/023e105f4ecef8ad9ca31a8372d0c353/purge_cache")
        #expect(first.headers.contains { $0.name == "Authorization" && $0.value == "Bearer cf-token" })
        #expect(first.headers.contains { $0.name == "Content-Type" && $0.value == "application/json" })
        let body = try JSONSerialization.jsonObject(with: Data(try #require(first.body))) as? [String: [String]]
        #expect(body?.keys.sorted() == ["tags"])
        #expect(body?["tags"] == first.purges.map(\.hash.value))
    }

    @Test func webhooksGetSignedJSONThatRepeatsExactlyOnRetry() throws {
        let target = PurgeTarget.webhook(URL(string: "https://hooks.example/avatars")!)
        let secret = Array("a webhook secret of some length".utf8)
        let deleted = purge("d", event: .delete, version: nil)
        let request = try #require(target.requests(for: [deleted], webhookSecret: secret).first)
        #expect(request.method == "POST")
        let body = try #require(request.body)
        let signature = try #require(request.headers.first { $0.name == "X-Avatars-Signature" }?.value)
        let expected = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: secret))
        #expect(signature == "sha256=" + expected.map { String(format: "%02x", $0) }.joined())

        let json = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        let hash = String(repeating: "d", count: 32)
        #expect(json["id"] as? String == "6f9619ff-8b86-d011-b42d-00c04fc964ff")
        #expect(json["event"] as? String == "delete")
        #expect(json["hash"] as? String == hash)
        #expect(json["version"] is NSNull, "a delete names no version, explicitly")
        #expect(json["changedAt"] as? String == "2025-12-01T22:00:00.250Z")
        let extensions = ["", ".jpg", ".jpeg", ".png", ".webp", ".avif", ".gif"]
        #expect(
            json["paths"] as? [String]
                == extensions.map { "/\(hash)\($0)" } + extensions.map { "/avatar/\(hash)\($0)" } + ["/info/\(hash)"])

        var retried = deleted
        retried.attempts = 3
        retried.nextAttemptAt = Date()
        let again = try #require(target.requests(for: [retried], webhookSecret: secret).first)
        #expect(again.body == body, "the same id and bytes on every retry, so receivers can drop repeats")
        #expect(target.requests(for: [deleted, purge("e")], webhookSecret: secret).count == 2, "one POST per change")
    }
}

@Suite struct WebhookTimeTests {
    /// A retry reads the purge back from its store: its body, and so its signature, must not
    /// change by a millisecond on the way.
    @Test func aChangeTimeReadBackFromAStoreFormatsAsItWasWritten() throws {
        let outbox = PurgeOutbox(targets: ["webhook http://b"])
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .millisecondsSince1970
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        for _ in 0..<5_000 {
            let now = Date(timeIntervalSince1970: Double.random(in: 1.6e9...2.1e9))
            let written = try #require(outbox.purges(.upload, hash: purge("a").hash, version: "v", at: now).first)
            let read = try decoder.decode(PendingPurge.self, from: encoder.encode(written))
            #expect(WebhookPayload(read).body == WebhookPayload(written).body)
            #expect(abs(written.changedAt.timeIntervalSince(now)) < 0.001)
        }
    }
}

@Suite struct PurgeRetryTests {
    @Test func delaysDoubleFromOneSecondToThirty() {
        let retry = PurgeRetry(maxAge: .seconds(86_400))
        #expect((1...8).map { retry.delay(afterFailures: $0) } == [1, 2, 4, 8, 16, 30, 30, 30].map { Duration.seconds($0) })
        #expect(retry.delay(afterFailures: Int.max) == .seconds(30))
    }

    @Test func aFailureCountsAndReschedules() {
        let retry = PurgeRetry(maxAge: .seconds(60))
        let now = Date(timeIntervalSince1970: 2_000_000_000)
        let once = retry.afterFailure(purge("a"), at: now)
        #expect(once.attempts == 1 && once.nextAttemptAt == now.addingTimeInterval(1))
        let twice = retry.afterFailure(once, at: now)
        #expect(twice.attempts == 2 && twice.nextAttemptAt == now.addingTimeInterval(2))
        #expect(twice.id == purge("a").id)
    }

    @Test func aChangeOlderThanTheMaxAgeHasExpired() {
        let retry = PurgeRetry(maxAge: .seconds(60))
        #expect(!retry.hasExpired(changed, at: changed.addingTimeInterval(60)))
        #expect(retry.hasExpired(changed, at: changed.addingTimeInterval(60.5)))
    }
}
