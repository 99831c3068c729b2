import AvatarCore
import Foundation
import JWTKit

/// Signs and checks the HS256 JWTs that authorise uploads and deletes of one hash.
public struct UploadTokens: Sendable {
    private let keys: JWTKeyCollection
    private let leeway: TimeInterval

    /// Clock skew allowed on `exp` and `nbf` unless configured (`auth.leewaySeconds`).
    public static let defaultLeewaySeconds = 30

    public init(secret: [UInt8], leewaySeconds: Int = defaultLeewaySeconds) async {
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.keys = keys
        self.leeway = TimeInterval(leewaySeconds)
    }

    /// A token allowing changes to `hash` for `ttl` seconds from now.
    public func token(for hash: AvatarHash, ttl: TimeInterval, now: Date = Date()) async throws -> String {
        let expiry = (now.timeIntervalSince1970 + ttl).rounded(.down)
        return try await keys.sign(
            UploadClaims(hash: hash.value, exp: .init(value: Date(timeIntervalSince1970: expiry))))
    }

    /// Checks `token` for `hash`: `.unauthorized` for anything malformed, expired, not yet
    /// valid or badly signed, `.forbidden` for a valid token issued for another hash.
    public func authorize(_ token: String, for hash: AvatarHash, now: Date = Date()) async throws(AvatarError) {
        // jwt-kit accepts an HMAC signature whatever `alg` the header names, so a token that
        // does not say HS256 is refused before it reaches the verifier.
        guard Self.headerAlgorithm(of: token) == "HS256" else {
            throw .unauthorized(reason: "the token must be an HS256 JWT")
        }
        let claims: UploadClaims
        do {
            claims = try await keys.verify(token, as: UploadClaims.self)
        } catch let error as JWTError {
            throw .unauthorized(reason: Self.describe(error))
        } catch {
            throw .unauthorized(reason: "the token is not a valid JWT")
        }
        guard claims.isValid(at: now, leeway: leeway) else {
            throw .unauthorized(reason: "the token has expired or is not valid yet")
        }
        guard AvatarHash(claims.hash) == hash else { throw .forbidden }
    }

    /// The `alg` a token's header names, or `nil` when the header is not a JSON object.
    package static func headerAlgorithm(of token: String) -> String? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let header = Data(base64URLEncoded: parts[0]),
            let object = try? JSONSerialization.jsonObject(with: header) as? [String: Any]
        else { return nil }
        return object["alg"] as? String
    }

    private static func describe(_ error: JWTError) -> String {
        switch error.errorType {
        case .claimVerificationFailure: "the token has expired or is not valid yet"
        case .signatureVerificationFailed: "the token's signature does not match"
        default: "the token is not a valid upload token"
        }
    }
}

extension Data {
    init?(base64URLEncoded text: some StringProtocol) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        self.init(base64Encoded: base64)
    }
}
