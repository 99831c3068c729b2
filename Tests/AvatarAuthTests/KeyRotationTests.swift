import AvatarAuth
import AvatarCore
import AvatarTestSupport
import Foundation
import Testing

/// Several token secrets at once: a token's `kid` picks one, a token without one is tried
/// against each, so a secret can be added, issuers moved and the old one removed without
/// refusing a valid token.
@Suite struct KeyRotationTests {
    let hash = AvatarHash("0123456789abcdef0123456789abcdef")!
    let old = TokenKey(id: "2025", secret: Array(String(repeating: "o", count: 32).utf8))
    let new = TokenKey(id: "2026", secret: Array(String(repeating: "n", count: 40).utf8))

    func kid(of token: String) -> String? { header(of: token)?["kid"] as? String }

    @Test func addingMovingAndRemovingASecretNeverRefusesAValidToken() async throws {
        let before = await UploadTokens(keys: [old])
        let issuedBefore = try await before.token(for: hash, ttl: 600)
        #expect(kid(of: issuedBefore) == "2025")

        // Both configured, the new one first: old tokens still pass, new ones name the new kid.
        let both = await UploadTokens(keys: [new, old])
        try await both.authorize(issuedBefore, for: hash)
        let issuedDuring = try await both.token(for: hash, ttl: 600)
        #expect(kid(of: issuedDuring) == "2026")
        try await both.authorize(issuedDuring, for: hash)
        let picked = try await both.token(for: hash, ttl: 600, kid: "2025")
        #expect(kid(of: picked) == "2025")
        try await before.authorize(picked, for: hash)

        // The old one removed: its tokens are refused, the new ones pass.
        let after = await UploadTokens(keys: [new])
        try await after.authorize(issuedDuring, for: hash)
        await #expect(throws: AvatarError.self) { try await after.authorize(issuedBefore, for: hash) }
        await #expect(throws: UploadTokens.UnknownKey.self) { try await after.token(for: hash, ttl: 60, kid: "2025") }
    }

    @Test func theKidPicksTheSecretAndAnUnknownKidIsRefused() async throws {
        let both = await UploadTokens(keys: [new, old])
        let claims = #"{"hash":"\#(hash.value)","exp":\#(Int(Date().timeIntervalSince1970) + 600)}"#
        // Signed with the old secret but naming the new kid: checked against the new one only.
        let misnamed = handMade(header: #"{"alg":"HS256","kid":"2026"}"#, payload: claims, key: old.secret)
        await #expect(throws: AvatarError.self) { try await both.authorize(misnamed, for: hash) }
        let unknown = handMade(header: #"{"alg":"HS256","kid":"2024"}"#, payload: claims, key: old.secret)
        await #expect(throws: AvatarError.unauthorized(reason: "the token's kid names no configured secret")) {
            try await both.authorize(unknown, for: hash)
        }
        let numeric = handMade(header: #"{"alg":"HS256","kid":2025}"#, payload: claims, key: old.secret)
        await #expect(throws: AvatarError.self) { try await both.authorize(numeric, for: hash) }
        // Without a kid, each secret is tried.
        for key in [old, new] {
            try await both.authorize(handMade(header: #"{"alg":"HS256"}"#, payload: claims, key: key.secret), for: hash)
        }
        let stranger = handMade(header: #"{"alg":"HS256"}"#, payload: claims, key: Array(String(repeating: "x", count: 32).utf8))
        await #expect(throws: AvatarError.self) { try await both.authorize(stranger, for: hash) }
        // A valid token for another hash is still forbidden, whichever key signed it.
        let other = AvatarHash(String(repeating: "f", count: 32))!
        await #expect(throws: AvatarError.forbidden) {
            try await both.authorize(try await both.token(for: other, ttl: 60, kid: "2025"), for: hash)
        }
    }

    @Test func theListIsReadStrictly() throws {
        let file = NSTemporaryDirectory() + "kid-\(UUID().uuidString)"
        try (String(repeating: "f", count: 36) + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        chmod(file, 0o600)
        let long = String(repeating: "s", count: 32)
        let loaded = try JWTSecret.keys(entries: ["a:\(long)", "b.2_x-y:@\(file)"], secret: nil, secretFile: nil, generatedPath: "/unused")
        #expect(loaded.keys == [
            TokenKey(id: "a", secret: Array(long.utf8)), TokenKey(id: "b.2_x-y", secret: Array(String(repeating: "f", count: 36).utf8)),
        ])
        #expect(loaded.source == .list)
        // A secret may hold colons: only the first one ends the kid.
        #expect(try JWTSecret.keys(entries: ["k:\(long):x"], secret: nil, secretFile: nil, generatedPath: nil).keys[0].secret
            == Array("\(long):x".utf8))
        let refused: [([String], String?, String?)] = [
            (["a:\(long)", "a:\(long)x"], nil, nil),  // duplicate kid
            (["a:short"], nil, nil),
            (["\(long)"], nil, nil),  // no kid
            ([":\(long)"], nil, nil),
            (["a b:\(long)"], nil, nil),
            (["\(String(repeating: "k", count: 65)):\(long)"], nil, nil),
            (["a:@"], nil, nil),
            (["a:@\(file).missing"], nil, nil),
            (["a:\(long)"], long, nil),  // both forms
            (["a:\(long)"], nil, file),
        ]
        for (entries, secret, secretFile) in refused {
            #expect(throws: JWTSecret.Failure.self, "\(entries) \(secret ?? "") \(secretFile ?? "")") {
                try JWTSecret.keys(entries: entries, secret: secret, secretFile: secretFile, generatedPath: nil)
            }
        }
        // The single forms keep working, as the kid "default".
        let single = try JWTSecret.keys(entries: [], secret: long, secretFile: nil, generatedPath: nil)
        #expect(single.keys == [TokenKey(id: TokenKey.defaultID, secret: Array(long.utf8))])
    }
}
