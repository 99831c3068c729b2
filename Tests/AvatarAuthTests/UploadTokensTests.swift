import AvatarAuth
import AvatarCore
import AvatarTestSupport
import Crypto
import Foundation
import JWTKit
import Testing

@Suite struct UploadTokensTests {
    let secret = Array("test-secret-test-secret-test-secret".utf8)
    let hash = AvatarHash("0123456789abcdef0123456789abcdef")!

    /// A token with any header, signed with HMAC-SHA256 under `key`, the suite's secret by default.
    func handMade(header: String, payload: String, key: [UInt8]? = nil) -> String {
        AvatarTestSupport.handMade(header: header, payload: payload, key: key ?? secret)
    }

    var future: Int { Int(Date().timeIntervalSince1970) + 600 }

    @Test func issuedTokensAuthorizeTheirHashInAnyCase() async throws {
        let tokens = await UploadTokens(secret: secret)
        let token = try await tokens.token(for: hash, ttl: 60)
        try await tokens.authorize(token, for: hash)
        let upper = handMade(header: #"{"alg":"HS256","typ":"JWT"}"#, payload: #"{"hash":"\#(hash.value.uppercased())","exp":\#(future)}"#)
        try await tokens.authorize(upper, for: hash)
    }

    @Test func aTokenForAnotherHashIsForbidden() async throws {
        let tokens = await UploadTokens(secret: secret)
        let other = AvatarHash(String(repeating: "f", count: 64))!
        await #expect(throws: AvatarError.forbidden) {
            try await tokens.authorize(try await tokens.token(for: other, ttl: 60), for: hash)
        }
    }

    @Test func expiredNotYetValidAndMissingExpiryAreUnauthorized() async throws {
        let tokens = await UploadTokens(secret: secret)
        let now = Int(Date().timeIntervalSince1970)
        let cases = [
            #"{"hash":"\#(hash.value)","exp":\#(now - 100)}"#,
            #"{"hash":"\#(hash.value)","exp":\#(future),"nbf":\#(now + 300)}"#,
            #"{"hash":"\#(hash.value)"}"#,
            #"{"exp":\#(future)}"#,
        ]
        for payload in cases {
            let token = handMade(header: #"{"alg":"HS256","typ":"JWT"}"#, payload: payload)
            await #expect(throws: AvatarError.self, "\(payload)") { try await tokens.authorize(token, for: hash) }
        }
        let notBeforePassed = handMade(
            header: #"{"alg":"HS256"}"#, payload: #"{"hash":"\#(hash.value)","exp":\#(future),"nbf":\#(now - 5)}"#)
        try await tokens.authorize(notBeforePassed, for: hash)
    }

    @Test func clockSkewWithinTheLeewayIsAllowed() async throws {
        let now = Date()
        let seconds = Int(now.timeIntervalSince1970)
        func token(exp: Int, nbf: Int? = nil) -> String {
            let notBefore = nbf.map { #","nbf":\#($0)"# } ?? ""
            return handMade(header: #"{"alg":"HS256"}"#, payload: #"{"hash":"\#(hash.value)","exp":\#(exp)\#(notBefore)}"#)
        }
        let tokens = await UploadTokens(secret: secret)
        try await tokens.authorize(token(exp: seconds - 20), for: hash, now: now)
        try await tokens.authorize(token(exp: seconds + 600, nbf: seconds + 20), for: hash, now: now)
        await #expect(throws: AvatarError.self) { try await tokens.authorize(token(exp: seconds - 40), for: hash, now: now) }
        await #expect(throws: AvatarError.self) {
            try await tokens.authorize(token(exp: seconds + 600, nbf: seconds + 40), for: hash, now: now)
        }
        let strict = await UploadTokens(secret: secret, leewaySeconds: 0)
        await #expect(throws: AvatarError.self) { try await strict.authorize(token(exp: seconds - 1), for: hash, now: now) }
    }

    @Test(arguments: ["none", "HS512", "RS256", "hs256", "ES256"])
    func forgedAlgorithmHeadersAreRefusedEvenWithAValidHS256Signature(alg: String) async throws {
        let tokens = await UploadTokens(secret: secret)
        let token = handMade(header: #"{"alg":"\#(alg)","typ":"JWT"}"#, payload: #"{"hash":"\#(hash.value)","exp":\#(future)}"#)
        await #expect(throws: AvatarError.self) { try await tokens.authorize(token, for: hash) }
        let unsigned = base64URL(Array(#"{"alg":"none"}"#.utf8)) + "." + base64URL(Array(#"{"hash":"\#(hash.value)","exp":\#(future)}"#.utf8)) + "."
        await #expect(throws: AvatarError.self) { try await tokens.authorize(unsigned, for: hash) }
    }

    @Test func wrongSecretsAndGarbageAreUnauthorized() async throws {
        let tokens = await UploadTokens(secret: secret)
        let wrongKey = handMade(
            header: #"{"alg":"HS256"}"#, payload: #"{"hash":"\#(hash.value)","exp":\#(future)}"#, key: Array("other".utf8))
        for token in [wrongKey, "", "a.b.c", "not a token", "....", String(repeating: "x", count: 5000)] {
            await #expect(throws: AvatarError.self, "\(token.prefix(20))") { try await tokens.authorize(token, for: hash) }
        }
    }
}

@Suite struct JWTSecretTests {
    @Test func generatesOnceWithPrivatePermissions() throws {
        let path = NSTemporaryDirectory() + "secret-\(UUID().uuidString)/jwt-secret"
        let first = try JWTSecret.load(secret: nil, secretFile: nil, generatedPath: path)
        #expect(first.source == .generated(path))
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let second = try JWTSecret.load(secret: nil, secretFile: nil, generatedPath: path)
        #expect(first.bytes == second.bytes && first.bytes.count == 64)
    }

    @Test func secretFilesWritableByOthersOrShortStopStartUpAndReadableOnesWarn() throws {
        let file = NSTemporaryDirectory() + "secret-\(UUID().uuidString)"
        try String(repeating: "k", count: 40).write(toFile: file, atomically: true, encoding: .utf8)
        func load() throws -> JWTSecret.Loaded { try JWTSecret.load(secret: nil, secretFile: file, generatedPath: nil) }
        chmod(file, 0o600)
        #expect(try load().warning == nil)
        chmod(file, 0o644)
        #expect(try load().warning?.contains(file) == true)
        for mode: mode_t in [0o620, 0o602, 0o666] {
            chmod(file, mode)
            do {
                _ = try load()
                Issue.record("mode \(String(mode, radix: 8)) was accepted")
            } catch {
                #expect("\(error)".contains(file))
            }
        }
        chmod(file, 0o600)
        try "short".write(toFile: file, atomically: false, encoding: .utf8)
        #expect(throws: JWTSecret.Failure.self) { try load() }
        // The generated file is checked as strictly when read back.
        let generated = NSTemporaryDirectory() + "secret-\(UUID().uuidString)/jwt-secret"
        _ = try JWTSecret.load(secret: nil, secretFile: nil, generatedPath: generated)
        chmod(generated, 0o666)
        #expect(throws: JWTSecret.Failure.self) { try JWTSecret.load(secret: nil, secretFile: nil, generatedPath: generated) }
    }

    @Test func configuredSecretsWinAndSharedBackendsRequireOne() throws {
        let long = String(repeating: "s", count: 32)
        #expect(try JWTSecret.load(secret: long, secretFile: nil, generatedPath: nil).bytes == Array(long.utf8))
        #expect(throws: JWTSecret.Failure.self) { try JWTSecret.load(secret: "short", secretFile: nil, generatedPath: nil) }
        let file = NSTemporaryDirectory() + "secret-\(UUID().uuidString)"
        try "from-file-from-file-from-file-from-file\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try JWTSecret.load(secret: nil, secretFile: file, generatedPath: nil).bytes
            == Array("from-file-from-file-from-file-from-file".utf8))
        #expect(throws: JWTSecret.Failure.self) { try JWTSecret.load(secret: nil, secretFile: nil, generatedPath: nil) }
        #expect(throws: JWTSecret.Failure.self) {
            try JWTSecret.load(secret: nil, secretFile: file + ".missing", generatedPath: nil)
        }
    }
}
