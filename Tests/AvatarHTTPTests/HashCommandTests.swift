import AvatarTestSupport
import Crypto
import Foundation
import Testing

/// `avatars hash`: private identifiers under a site key made once, explicitly.
@Suite struct HashCommandTests {
    @Test func itRefusesWithoutAKeyThenHashesAsAnIndependentHMACDoes() async throws {
        let directory = try temporaryDirectory("avatars-hash")
        let keyFile = directory + "/site-key"
        let environment = ["AVATARS_AUTH_HASH_KEY_FILE": keyFile]
        let refused = try await AvatarsCommand.run(["hash", "jane@example.com"], environment: environment)
        #expect(refused.status == 1 && refused.output.isEmpty && refused.errors.contains("--init-key"))

        let created = try await AvatarsCommand.run(["hash", "--init-key"], environment: environment)
        #expect(created.status == 0)
        #expect(try FileManager.default.attributesOfItem(atPath: keyFile)[.posixPermissions] as? Int == 0o600)
        let key = try String(contentsOfFile: keyFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(key.count == 64)
        let again = try await AvatarsCommand.run(["hash", "--init-key"], environment: environment)
        let kept = try String(contentsOfFile: keyFile, encoding: .utf8)
        #expect(again.status != 0 && kept.hasPrefix(key), "never replaced")

        let hashed = try await AvatarsCommand.run(["hash", "  Jane@Example.com\t"], environment: environment)
        let expected = HMAC<SHA256>.authenticationCode(for: Array("jane@example.com".utf8), using: SymmetricKey(data: Array(key.utf8)))
            .map { String(format: "%02x", $0) }.joined()
        #expect(hashed.status == 0 && hashed.output == expected + "\n")
        // --key-file wins over the configuration.
        let elsewhere = try await AvatarsCommand.run(["hash", "jane@example.com", "--key-file", directory + "/none"], environment: environment)
        #expect(elsewhere.status == 1)
        let usage = try await AvatarsCommand.run(["hash"], environment: environment)
        #expect(usage.status == 2)
    }
}
