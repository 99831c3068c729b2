import AsyncHTTPClient
import AvatarAuth
import AvatarCore
import AvatarTestSupport
import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Purges end to end: a real Varnish with the README's VCL in front of a node, and a webhook
/// receiver. Runs alone (scripts/test): it measures how soon a change is seen.
@Suite(.serialized, .enabled(if: VarnishProcess.isInstalled, "needs varnish and varnish-modules"))
struct PurgeLiveTests {
    static let webhookSecret = "purge-live-test-webhook-secret"
    let hash = AvatarHash("0123456789abcdef0123456789abcdef")!

    func server(varnishPort: Int, receiverPort: Int) throws -> LiveServer {
        try LiveServer([
            "AVATARS_PURGE_VARNISH": "http://127.0.0.1:\(varnishPort)",
            "AVATARS_PURGE_WEBHOOKS": "http://127.0.0.1:\(receiverPort)/hook",
            "AVATARS_PURGE_WEBHOOK_SECRET": Self.webhookSecret,
        ])
    }

    /// A webhook receiver, a node purging Varnish and the receiver, and that Varnish in front
    /// of the node, while `body` runs; `url` is an avatar URL through Varnish.
    func throughVarnish(
        _ body: @Sendable (any TestClientProtocol, UploadTokens, VarnishProcess, PurgeReceiver, String) async throws -> Void
    ) async throws {
        let receiver = PurgeReceiver()
        let varnishPort = try KillTests.freePort()
        try await receiver.serve { receiverPort in
            try await server(varnishPort: varnishPort, receiverPort: receiverPort).run { client, tokens in
                let varnish = try VarnishProcess(port: varnishPort, backendPort: try #require(client.port))
                defer { varnish.stop() }
                try await varnish.waitUntilServing()
                try await body(client, tokens, varnish, receiver, "http://127.0.0.1:\(varnishPort)/avatar/\(hash.value)?s=64")
            }
        }
    }

    @Test func everyChangeIsSeenThroughVarnishAtOnceAndTold() async throws {
        try await throughVarnish { client, tokens, _, receiver, url in
            #expect(try await client.upload(try Fixtures.bytes("photo.jpg"), to: hash, tokens: tokens).status == .created)
            let first = try await Fetch.get(url)
            let second = try await Fetch.get(url)
            #expect(first.status == 200 && second.body == first.body)
            #expect(first.header("xkey") == hash.value && first.header("Surrogate-Key") == hash.value)
            #expect(first.header("Cache-Tag") == hash.value)
            #expect(second.header("X-Varnish")?.split(separator: " ").count == 2, "the second GET is a Varnish hit")

            #expect(try await client.upload(try Fixtures.bytes("photo.png"), to: hash, tokens: tokens).status == .ok)
            let fresh = try await client.get("/avatar/\(hash.value)?s=64").bytes
            let seen = try await Fetch.until(url, within: .seconds(1)) { $0.body == fresh }
            #expect(seen != nil, "the re-upload shows through Varnish within 1 s")

            let token = try await tokens.token(for: hash, ttl: 60)
            let recrop = try await client.executeRequest(
                uri: "/\(hash.value)?crop=0,0,20,20", method: .patch, headers: [.authorization: "Bearer \(token)"],
                body: nil)
            #expect(recrop.status == .ok)
            let recropped = try await client.get("/avatar/\(hash.value)?s=64").bytes
            #expect(recropped != fresh)
            #expect(try await Fetch.until(url, within: .seconds(1)) { $0.body == recropped } != nil)

            let delete = try await client.executeRequest(
                uri: "/\(hash.value)", method: .delete, headers: [.authorization: "Bearer \(token)"], body: nil)
            #expect(delete.status == .noContent)
            #expect(try await Fetch.until(url, within: .seconds(1)) { $0.status == 404 } != nil)

            // The receiver: one signed POST per change, in order.
            let hooks = try await waitFor(4, from: receiver)
            #expect(hooks.map { json($0)["event"] as? String } == ["upload", "upload", "recrop", "delete"])
            #expect(Set(hooks.map { json($0)["id"] as? String }).count == 4)
            for hook in hooks {
                let mac = HMAC<SHA256>.authenticationCode(for: hook.body, using: SymmetricKey(data: Array(Self.webhookSecret.utf8)))
                #expect(hook.headers[HTTPField.Name("X-Avatars-Signature")!] == "sha256=" + mac.map { String(format: "%02x", $0) }.joined())
                #expect(json(hook)["hash"] as? String == hash.value)
            }
            #expect(json(hooks[3])["version"] is NSNull)
        }
    }

    @Test func aStoppedVarnishNeverDelaysAnUploadAndGetsItsPurgeWhenBack() async throws {
        try await throughVarnish { client, tokens, varnish, _, url in
            _ = try await client.upload(try Fixtures.bytes("photo.jpg"), to: hash, tokens: tokens)
            let old = try await Fetch.get(url)
            #expect(old.status == 200)

            varnish.pause()
            let started = ContinuousClock.now
            let upload = try await client.upload(try Fixtures.bytes("photo.png"), to: hash, tokens: tokens)
            let took = ContinuousClock.now - started
            #expect(upload.status == .ok)
            #expect(took < .seconds(1), "the upload did not wait for the stopped Varnish (\(took))")
            try await Task.sleep(for: .seconds(3))
            varnish.resume()

            let fresh = try await client.get("/avatar/\(hash.value)?s=64").bytes
            #expect(try await Fetch.until(url, within: .seconds(10)) { $0.body == fresh } != nil)
            let metrics = String(decoding: try await client.get("/metrics").bytes, as: UTF8.self)
            #expect(metrics.contains("avatars_purges_total{target=\"varnish\",outcome=\"failed\"}"))
            #expect(metrics.contains("avatars_purges_total{target=\"varnish\",outcome=\"sent\"}"))
        }
    }

    private func json(_ received: PurgeReceiver.Received) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(received.body)) as? [String: Any]) ?? [:]
    }

    private func waitFor(_ count: Int, from receiver: PurgeReceiver) async throws -> [PurgeReceiver.Received] {
        for _ in 0..<300 {
            let received = await receiver.received
            if received.count >= count { return received }
            try await Task.sleep(for: .milliseconds(10))
        }
        return await receiver.received
    }
}
