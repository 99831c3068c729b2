import AvatarAuth
import AvatarTestSupport
import Foundation
import Testing

/// The server never sees e-mail addresses and reaches out to nothing but its stores and its
/// purge targets: every endpoint is exercised under strace, and every connect() and
/// addressed send the process made is checked against the one purge target configured (the
/// embedded stores are local files).
@Suite struct OutboundRequestTests {
    @Test func everyEndpointConnectsOnlyToAPurgeTarget() async throws {
        let port = try KillTests.freePort(), webhook = try KillTests.freePort()
        let data = try temporaryDirectory("avatars-outbound")
        var environment = KillTests.environment(port: port, data: data)
        environment["AVATARS_PURGE_WEBHOOKS"] = "http://127.0.0.1:\(webhook)/purge"
        environment["AVATARS_PURGE_WEBHOOK_SECRET"] = "outbound-test-webhook-secret"
        environment["AVATARS_IMAGES_NEGOTIATE"] = "true"
        let trace = data + "/strace.log"
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/strace")
        server.arguments = ["-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o", trace, KillTests.binary, "serve"]
        server.environment = environment
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        try await KillTests.waitUntilServing(port: port)
        // strace's child is the server: stopped by its own SIGTERM, strace then ends by itself.
        let children = try String(contentsOfFile: "/proc/\(server.processIdentifier)/task/\(server.processIdentifier)/children", encoding: .utf8)
        let serverID = try #require(children.split(separator: " ").first.flatMap { pid_t($0) })
        defer { kill(serverID, SIGKILL) }

        let hash = TestHashes.md5
        let token = try await UploadTokens(secret: Array(KillTests.secret.utf8)).token(for: hash, ttl: 600)
        let photo = try Fixtures.bytes("photo.jpg")
        func exchange(_ method: String, _ target: String, headers: [String] = [], body: [UInt8] = []) async throws -> String {
            let head = ([ "\(method) \(target) HTTP/1.1", "Host: localhost", "Connection: close", "Content-Length: \(body.count)"]
                + headers).joined(separator: "\r\n") + "\r\n\r\n"
            return try await RawHTTP.exchange(port: port, head: head, body: body, timeout: 20)
        }
        let bearer = "Authorization: Bearer \(token)"
        let unknown = TestHashes.other.value
        let answers = [
            try await exchange("GET", "/healthz"), try await exchange("GET", "/readyz"), try await exchange("GET", "/metrics"),
            try await exchange("GET", "/openapi.json"),
            try await exchange("PUT", "/\(hash.value)", headers: [bearer], body: photo),
            try await exchange("POST", "/avatar/\(hash.value)", headers: [bearer], body: photo),
            try await exchange("GET", "/\(hash.value)?s=40"), try await exchange("HEAD", "/avatar/\(hash.value).webp?s=64"),
            try await exchange("GET", "/\(hash.value)?s=40", headers: ["Accept: image/avif,image/webp"]),
            try await exchange("GET", "/info/\(hash.value)"), try await exchange("HEAD", "/info/\(hash.value)"),
            try await exchange("GET", "/avatar/\(unknown)?d=https%3A%2F%2Fexample.com%2Fdefault.png"),
            try await exchange("GET", "/avatar/\(unknown)?d=identicon&s=32"),
            try await exchange("GET", "/avatar/\(unknown)?d=initials&name=Jane+Doe"),
            try await exchange("PATCH", "/\(hash.value)?crop=centre", headers: [bearer]),
            try await exchange("DELETE", "/avatar/\(hash.value)", headers: [bearer]),
        ]
        #expect(answers.allSatisfy { $0.hasPrefix("HTTP/1.1 ") }, "every endpoint answered")
        #expect(answers[11].hasPrefix("HTTP/1.1 302"), "a URL default is a redirect, never fetched")
        // Let the purge sender try its target, so the allowed connect is seen too.
        try await Task.sleep(for: .seconds(2))
        kill(serverID, SIGTERM)
        for _ in 0..<200 where server.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!server.isRunning, "the server stopped on SIGTERM")

        let calls = try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n")
        // Resolving the listen address asks glibc's local name-service cache first (absent
        // here): a socket on this machine, not a request. A DNS query would be AF_INET, port 53.
        let addressed = calls.filter {
            $0.contains("sa_family=AF_INET") || ($0.contains("AF_UNIX") && !$0.contains("sun_path=\"/var/run/nscd/socket\""))
        }
        let allowed = "sin_port=htons(\(webhook)), sin_addr=inet_addr(\"127.0.0.1\")"
        let elsewhere = addressed.filter { !$0.contains(allowed) }
        #expect(elsewhere.isEmpty, "connections beside the purge target: \(elsewhere.prefix(10))")
        #expect(addressed.contains { $0.contains(allowed) }, "the purge target was tried, so the trace sees connects")
    }
}
