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

    /// A purge that could not be sent before a `kill -9` is sent by the restarted node: the
    /// receiver is down (connection refused) when the upload is acknowledged, the node is killed,
    /// and the first node to run on that data again delivers it.
    @Test func pendingPurgesSurviveKill9AndAreSentAfterRestart() async throws {
        let data = try temporaryDirectory("avatars-purge-kill")
        let (port, receiverPort) = (try KillTests.freePort(), try KillTests.freePort())
        let environment = KillTests.environment(port: port, data: data).merging([
            "AVATARS_PURGE_WEBHOOKS": "http://127.0.0.1:\(receiverPort)/hook",
            "AVATARS_PURGE_WEBHOOK_SECRET": Self.webhookSecret,
        ]) { $1 }
        let node = try KillTests.start(environment: environment)
        try await KillTests.waitUntilServing(port: port)
        let tokens = await UploadTokens(secret: Array(KillTests.secret.utf8))
        let token = try await tokens.token(for: hash, ttl: 60)
        let photo = try Fixtures.bytes("photo.jpg")
        let answer = try await RawHTTP.exchange(
            port: port,
            head: "PUT /\(hash.value) HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\n"
                + "Content-Length: \(photo.count)\r\nConnection: close\r\n\r\n",
            body: photo)
        #expect(answer.hasPrefix("HTTP/1.1 201"))
        // Its first attempt is refused at once; the retry is a second away.
        try await Task.sleep(for: .milliseconds(300))
        kill(node.processIdentifier, SIGKILL)
        node.waitUntilExit()

        let receiver = PurgeReceiver()
        try await receiver.serve(port: receiverPort) { _ in
            let restarted = try KillTests.start(environment: environment)
            defer {
                kill(restarted.processIdentifier, SIGKILL)
                restarted.waitUntilExit()
            }
            try await KillTests.waitUntilServing(port: port)
            // The killed node's claim holds its lease (a few seconds) before the purge is due again.
            let hooks = try await waitFor(1, from: receiver, within: .seconds(15))
            try await Task.sleep(for: .seconds(1))
            #expect(await receiver.received.count == 1, "the upload's purge, sent once by the restarted node")
            #expect(hooks.first.map { json($0)["event"] as? String } == "upload")
            #expect(hooks.first.map { json($0)["hash"] as? String } == hash.value)
            let metrics = try await RawHTTP.exchange(
                port: port, head: "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", body: [])
            #expect(metrics.contains("avatars_purges_total{target=\"webhook\",outcome=\"sent\"} 1"))
        }
    }

    /// Two nodes on PostgreSQL, Varnish in front of the first: changes made on either reach
    /// Varnish once each (its own log says so), the webhook once each, and the plain URL
    /// through Varnish shows each change within a second.
    @Test func twoNodesOnPostgresSendOnePurgePerChange() async throws {
        let postgres = try TestPostgres.fromEnvironment()
        let s3 = try TestS3.fromEnvironment()
        let database = try await postgres.freshDatabase()
        let receiver = PurgeReceiver()
        let varnishPort = try KillTests.freePort()
        try await receiver.serve { receiverPort in
            let environment = sharedEnvironment(database: database.text, s3: s3, prefix: TestS3.uniquePrefix("purges"))
                .merging([
                    "AVATARS_PURGE_VARNISH": "http://127.0.0.1:\(varnishPort)",
                    "AVATARS_PURGE_WEBHOOKS": "http://127.0.0.1:\(receiverPort)/hook",
                    "AVATARS_PURGE_WEBHOOK_SECRET": Self.webhookSecret,
                ]) { $1 }
            try await LiveServer(environment).run { a, tokens in
                try await LiveServer(environment).run { b, _ in
                    let varnish = try VarnishProcess(port: varnishPort, backendPort: try #require(a.port))
                    defer { varnish.stop() }
                    try await varnish.waitUntilServing()
                    let url = "http://127.0.0.1:\(varnishPort)/avatar/\(hash.value)?s=64"
                    let token = try await tokens.token(for: hash, ttl: 60)

                    #expect(try await a.upload(try Fixtures.bytes("photo.jpg"), to: hash, tokens: tokens).status == .created)
                    #expect(try await Fetch.until(url, within: .seconds(2)) { $0.status == 200 } != nil)
                    #expect(try await b.upload(try Fixtures.bytes("photo.png"), to: hash, tokens: tokens).status == .ok)
                    let fresh = try await b.get("/avatar/\(hash.value)?s=64").bytes
                    #expect(try await Fetch.until(url, within: .seconds(1)) { $0.body == fresh } != nil)
                    let recrop = try await a.executeRequest(
                        uri: "/\(hash.value)?crop=0,0,20,20", method: .patch, headers: [.authorization: "Bearer \(token)"],
                        body: nil)
                    #expect(recrop.status == .ok)
                    let recropped = try await a.get("/avatar/\(hash.value)?s=64").bytes
                    #expect(try await Fetch.until(url, within: .seconds(1)) { $0.body == recropped } != nil)
                    let delete = try await b.executeRequest(
                        uri: "/\(hash.value)", method: .delete, headers: [.authorization: "Bearer \(token)"], body: nil)
                    #expect(delete.status == .noContent)
                    #expect(try await Fetch.until(url, within: .seconds(1)) { $0.status == 404 } != nil)

                    // Both nodes claim every second: a purge sent twice would have had time to be.
                    try await Task.sleep(for: .seconds(3))
                    #expect(try varnish.purges() == Array(repeating: hash.value, count: 4))
                    let hooks = await receiver.received
                    #expect(hooks.map { json($0)["event"] as? String } == ["upload", "upload", "recrop", "delete"])
                    #expect(Set(hooks.map { json($0)["id"] as? String }).count == 4)
                }
            }
        }
    }

    private func json(_ received: PurgeReceiver.Received) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(received.body)) as? [String: Any]) ?? [:]
    }

    private func waitFor(_ count: Int, from receiver: PurgeReceiver, within limit: Duration = .seconds(3)) async throws
        -> [PurgeReceiver.Received]
    {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < limit {
            let received = await receiver.received
            if received.count >= count { return received }
            try await Task.sleep(for: .milliseconds(10))
        }
        return await receiver.received
    }
}
