import AvatarAuth
import AvatarCore
import Foundation
import Testing

/// E-mail addresses become hashes one way everywhere: trimmed of ASCII whitespace,
/// lower-cased, then MD5, SHA-256 or HMAC-SHA256 under the site key.
@Suite struct EmailHashTests {
    let address = " \tJane.Doe@Example.COM\r\n"

    func keyFile(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "hash-key-\(UUID().uuidString)"
        try (text + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The expected values are Python's: hmac.new(key, b"jane.doe@example.com", "sha256"),
    /// hashlib.md5 and hashlib.sha256 of the same bytes.
    @Test func eachMethodMatchesAnIndependentComputation() throws {
        let key = try SiteHashKey.load(path: try keyFile("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"))
        #expect(EmailHash.hmacSHA256.hash(address, key: key)?.value == "ab72c785f064095d3ae0476f7b9899ed529d2c833b519418083c961b3ed0ac3b")
        #expect(EmailHash.md5.hash(address, key: nil)?.value == "0cba00ca3da1b283a57287bcceb17e35")
        #expect(EmailHash.sha256.hash(address, key: nil)?.value == "86e0b9e56c17cc4d12387e1949b85053fbe73bc3ce5a1188713a9d300cc6133d")
        #expect(EmailHash.hmacSHA256.hash(address, key: nil) == nil, "no key, no private hash")
    }

    @Test func aKeyIsCreatedOnceWithPrivatePermissionsAndNeverReplaced() throws {
        let path = NSTemporaryDirectory() + "hash-key-\(UUID().uuidString)"
        #expect(throws: SiteHashKey.Failure.self) { try SiteHashKey.load(path: path) }
        let created = try SiteHashKey.create(path: path)
        #expect(created.bytes.count == 64 && created.bytes.allSatisfy { Array("0123456789abcdef".utf8).contains($0) })
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600)
        #expect(try SiteHashKey.load(path: path).bytes == created.bytes)
        #expect(throws: SiteHashKey.Failure.self) { try SiteHashKey.create(path: path) }
        #expect(try SiteHashKey.load(path: path).bytes == created.bytes, "the key is unchanged")
        #expect(throws: SiteHashKey.Failure.self) { try SiteHashKey.load(path: try keyFile("too short")) }
    }
}
