import AvatarAuth
import AvatarCore
import AvatarTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Rotating the upload-token secret through `auth.jwtSecrets` on a running deployment: add
/// the new secret, move issuers to it, remove the old one; no valid token is refused.
@Suite struct KeyRotationHTTPTests {
    let hash = TestHashes.md5
    static let old = "2025:" + String(repeating: "o", count: 32)
    static let new = "2026:" + String(repeating: "n", count: 40)

    func put(_ client: any TestClientProtocol, token: String) async throws -> HTTPResponse.Status {
        try await client.executeRequest(
            uri: "/\(hash.value)", method: .put, headers: [.authorization: "Bearer \(token)"],
            body: .init(bytes: try Fixtures.bytes("photo.jpg"))
        ).status
    }

    @Test func oldAndNewTokensPassWhileBothAreConfiguredAndTheOldIsRefusedAfter() async throws {
        let data = try temporaryDirectory("avatars-rotation")
        func server(_ secrets: String) throws -> LiveServer {
            try LiveServer(["AVATARS_AUTH_JWT_SECRET": "", "AVATARS_AUTH_JWT_SECRETS": secrets], dataDirectory: data)
        }
        let oldToken = try await server(Self.old).run { client, tokens in
            let token = try await tokens.token(for: hash, ttl: 600)
            #expect(try await put(client, token: token) == .created)
            return token
        }
        let newToken = try await server("\(Self.new),\(Self.old)").run { client, tokens in
            #expect(try await put(client, token: oldToken) == .ok, "a token under the old secret still passes")
            let token = try await tokens.token(for: hash, ttl: 600)
            #expect(header(of: token)?["kid"] as? String == "2026", "new tokens are signed with the first secret")
            #expect(try await put(client, token: token) == .ok)
            return token
        }
        try await server(Self.new).run { client, _ async throws -> Void in
            #expect(try await put(client, token: oldToken) == .unauthorized, "the old secret is gone")
            #expect(try await put(client, token: newToken) == .ok)
        }
    }

    /// From the single form: its tokens name the kid `default`, which the list then keeps.
    @Test func rotatingFromASingleSecretKeepsItsTokens() async throws {
        let data = try temporaryDirectory("avatars-rotation-single")
        let single = String(repeating: "d", count: 32)
        let issued = try await LiveServer(["AVATARS_AUTH_JWT_SECRET": single], dataDirectory: data).run { client, tokens in
            let token = try await tokens.token(for: hash, ttl: 600)
            #expect(header(of: token)?["kid"] as? String == "default")
            #expect(try await put(client, token: token) == .created)
            return token
        }
        try await LiveServer(
            ["AVATARS_AUTH_JWT_SECRET": "", "AVATARS_AUTH_JWT_SECRETS": "\(Self.new),default:\(single)"], dataDirectory: data
        ).run { client, _ async throws -> Void in
            #expect(try await put(client, token: issued) == .ok, "a token of the single secret passes under the list")
        }
    }

    @Test func theTokenCommandSignsWithTheFirstSecretOrTheKidAsked() async throws {
        let environment = ["AVATARS_AUTH_JWT_SECRETS": "\(Self.new),\(Self.old)", "AVATARS_STORAGE_PATH": try temporaryDirectory("avatars-token")]
        let first = try await AvatarsCommand.run(["token", "--hash", hash.value], environment: environment)
        #expect(first.status == 0 && header(of: first.output.trimmingCharacters(in: .whitespacesAndNewlines))?["kid"] as? String == "2026")
        let picked = try await AvatarsCommand.run(["token", "--hash", hash.value, "--kid", "2025"], environment: environment)
        let token = picked.output.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(picked.status == 0 && header(of: token)?["kid"] as? String == "2025")
        try await UploadTokens(keys: [TokenKey(id: "2025", secret: Array(String(repeating: "o", count: 32).utf8))])
            .authorize(token, for: hash)
        let unknown = try await AvatarsCommand.run(["token", "--hash", hash.value, "--kid", "2024"], environment: environment)
        #expect(unknown.status != 0 && unknown.errors.contains("2024"))
    }

    @Test(arguments: [
        ["AVATARS_AUTH_JWT_SECRETS": new, "AVATARS_AUTH_JWT_SECRET": String(repeating: "s", count: 32)],
        ["AVATARS_AUTH_JWT_SECRETS": "\(new),2026:\(String(repeating: "x", count: 32))"],
        ["AVATARS_AUTH_JWT_SECRETS": "2026:short"],
    ])
    func bothFormsDuplicateKidsAndShortSecretsStopStartUp(environment: [String: String]) async throws {
        let server = try LiveServer(environment.merging(["AVATARS_AUTH_JWT_SECRET": ""]) { first, _ in first })
        await #expect(throws: (any Error).self) { try await server.run { _, _ in } }
    }
}
