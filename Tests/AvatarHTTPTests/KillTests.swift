import AvatarAuth
import AvatarCore
import AvatarTestSupport
import Foundation
import Testing

/// An acknowledged upload survives `kill -9`: the real `avatars` binary (built beside the
/// test bundle) takes an upload storm, is killed mid-storm, and after a restart on the same
/// data every upload it answered `201` renders and `avatars check` finds every record's
/// original. Runs alone (scripts/test).
@Suite(.serialized) struct KillTests {
    static let secret = "kill-test-secret-of-at-least-32-bytes"

    /// The server binary: `swift build --build-tests` puts it beside the test bundle.
    static var binary: String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = bundle.deletingLastPathComponent()
        while directory.path != "/", !FileManager.default.fileExists(atPath: directory.appendingPathComponent("avatars").path) {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("avatars").path
    }

    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func environment(port: Int, data: String) -> [String: String] {
        [
            "AVATARS_HTTP_PORT": String(port), "AVATARS_STORAGE_PATH": data + "/originals",
            "AVATARS_METADATA_PATH": data + "/metadata", "AVATARS_CACHE_PATH": data + "/cache",
            "AVATARS_AUTH_JWT_SECRET": secret, "AVATARS_LOG_LEVEL": "error", "AVATARS_IMAGES_RENDER_NICENESS": "0",
        ]
    }

    static func start(port: Int, data: String) throws -> Process {
        try start(environment: environment(port: port, data: data))
    }

    /// `avatars serve` with exactly `environment`.
    static func start(environment: [String: String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve"]
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs `avatars check --json` with `arguments` on the same data: its exit status and report.
    static func check(port: Int, data: String, _ arguments: [String] = []) throws -> (Int32, [String: Any]) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["check", "--json"] + arguments
        process.environment = environment(port: port, data: data)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let bytes = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let report = (try? JSONSerialization.jsonObject(with: bytes)) as? [String: Any] ?? [:]
        return (process.terminationStatus, report)
    }

    static func waitUntilServing(port: Int) async throws {
        for _ in 0..<200 {
            if let answer = try? await RawHTTP.exchange(
                port: port, head: "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", body: [], timeout: 1),
                answer.hasPrefix("HTTP/1.1 200")
            {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the server did not start on port \(port)")
    }

    @Test func everyAcknowledgedUploadRendersAfterKill9() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary), "no server binary at \(Self.binary)")
        let data = try temporaryDirectory("avatars-kill")
        let port = try Self.freePort()
        let server = try Self.start(port: port, data: data)
        try await Self.waitUntilServing(port: port)
        let tokens = await UploadTokens(secret: Array(Self.secret.utf8))
        let photo = try Fixtures.bytes("photo.jpg")
        let stop = Date().addingTimeInterval(2)

        // Four uploaders, each storing fresh hashes until the server dies under them.
        let acknowledged = try await withThrowingTaskGroup(of: [AvatarHash].self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var stored: [AvatarHash] = []
                    while true {
                        let hash = AvatarHash((0..<32).map { _ in String(Int.random(in: 0..<16), radix: 16) }.joined())!
                        let token = try await tokens.token(for: hash, ttl: 60)
                        let head = "PUT /\(hash.value) HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\n"
                            + "Content-Type: image/jpeg\r\nContent-Length: \(photo.count)\r\nConnection: close\r\n\r\n"
                        guard let answer = try? await RawHTTP.exchange(port: port, head: head, body: photo, timeout: 5),
                            !answer.isEmpty
                        else { return stored }
                        if answer.hasPrefix("HTTP/1.1 201") { stored.append(hash) }
                    }
                }
            }
            try await Task.sleep(until: .now + .seconds(stop.timeIntervalSinceNow))
            kill(server.processIdentifier, SIGKILL)
            server.waitUntilExit()
            return try await group.reduce(into: []) { $0 += $1 }
        }
        #expect(acknowledged.count > 10, "only \(acknowledged.count) uploads were acknowledged before the kill")

        let restarted = try Self.start(port: port, data: data)
        defer {
            restarted.terminate()
            restarted.waitUntilExit()
        }
        try await Self.waitUntilServing(port: port)
        for hash in acknowledged {
            let answer = try await RawHTTP.exchange(
                port: port, head: "GET /\(hash.value)?s=64 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n", body: [])
            #expect(answer.hasPrefix("HTTP/1.1 200"), "\(hash) was acknowledged but answers \(answer.prefix(40))")
        }

        // While the restarted server runs: no record lacks its original; what the kill left
        // (orphans, temporaries) goes with --repair, and the store is then clean.
        let (status, found) = try Self.check(port: port, data: data)
        #expect(status == 0 && (found["missingOriginals"] as? [String])?.isEmpty == true, "\(found)")
        #expect((found["records"] as? Int ?? 0) >= acknowledged.count)
        let (repairStatus, _) = try Self.check(port: port, data: data, ["--repair", "--min-age", "0"])
        #expect(repairStatus == 0)
        let (cleanStatus, clean) = try Self.check(port: port, data: data)
        #expect(cleanStatus == 0, "\(clean)")
        for leftover in ["orphans", "temporaries", "missingOriginals", "unusable"] {
            #expect((clean[leftover] as? [String])?.isEmpty == true, "\(leftover): \(clean)")
        }
        #expect(clean["records"] as? Int == clean["originals"] as? Int)

        // Usage errors are errors: status 2, as for every other error.
        #expect(try Self.check(port: port, data: data, ["--no-such-option"]).0 == 2)
        #expect(try Self.check(port: port, data: data, ["--min-age", "soon"]).0 == 2)
        #expect(try Self.check(port: port, data: data, ["--min-age", "-1"]).0 == 2)
    }
}
