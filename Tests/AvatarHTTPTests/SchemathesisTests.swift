import AvatarAuth
import AvatarTestSupport
import Foundation
import Testing

/// schemathesis (PyPI) against the real binary: generated and mutated requests for every
/// operation of the OpenAPI document, once as a stranger and once holding a valid token for
/// a stored avatar; no 5xx, and no status, content type, header or body the document does
/// not describe.
@Suite(.serialized) struct SchemathesisTests {
    static let checks =
        "not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance"

    @Test(arguments: [false, true])
    func theServerKeepsToItsDocument(withToken: Bool) async throws {
        let schemathesis = try #require(
            ProcessInfo.processInfo.environment["AVATARS_TEST_SCHEMATHESIS"],
            "AVATARS_TEST_SCHEMATHESIS names schemathesis (scripts/test-services start sets it)")
        let port = try KillTests.freePort()
        let data = try temporaryDirectory("avatars-schemathesis")
        var environment = KillTests.environment(port: port, data: data)
        environment["AVATARS_IMAGES_DEFAULT"] = "404"
        let server = try KillTests.start(environment: environment)
        defer { server.terminate() }
        try await KillTests.waitUntilServing(port: port)

        var arguments = ["run", "http://127.0.0.1:\(port)/openapi.json", "--checks", Self.checks, "--max-examples", "25", "--seed", "1"]
        if withToken {
            let hash = TestHashes.md5
            let token = try await UploadTokens(secret: Array(KillTests.secret.utf8)).token(for: hash, ttl: 600)
            let stored = try await RawHTTP.exchange(
                port: port,
                head: "PUT /\(hash.value) HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\n"
                    + "Content-Length: \(try Fixtures.bytes("photo.jpg").count)\r\nConnection: close\r\n\r\n",
                body: try Fixtures.bytes("photo.jpg"), timeout: 10)
            #expect(stored.hasPrefix("HTTP/1.1 201"))
            let config = data + "/schemathesis.toml"
            try "[parameters]\nname = \"\(hash.value)\"\n".write(toFile: config, atomically: true, encoding: .utf8)
            arguments = ["--config-file", config] + arguments + ["-H", "Authorization: Bearer \(token)"]
        }
        let run = try await AvatarsCommand.run(executable: schemathesis, arguments, directory: data)
        let report = run.output + run.errors
        #expect(run.status == 0, "\(report.suffix(6000))")
        #expect(report.contains("passed"), "\(report.suffix(2000))")
    }
}
