import AvatarCore
import Foundation
import JWTKit

/// Signs and checks the HS256 JWTs that authorise uploads and deletes of one hash, under one
/// or more keys: a token's `kid` header picks its key, a token without one is tried against
/// each, so a new secret can be added, issuers moved to it and the old one removed without
/// refusing a valid token.
public struct UploadTokens: Sendable {
    /// One collection per key: jwt-kit falls back to its default key for an unknown `kid`,
    /// so the choice of key is made here, never by it.
    private let keys: [(id: String, collection: JWTKeyCollection)]
    private let leeway: TimeInterval

    /// Clock skew allowed on `exp` and `nbf` unless configured (`auth.leewaySeconds`).
    public static let defaultLeewaySeconds = 30

    /// Thrown by `token(for:ttl:now:kid:)` for a key id no configured key has.
    public struct UnknownKey: Error, CustomStringConvertible {
        public let id: String
        public var description: String { "no configured token secret has the kid \(id)" }
    }

    /// Tokens under `keys` (at least one, ids distinct); the first signs new tokens.
    public init(keys: [TokenKey], leewaySeconds: Int = defaultLeewaySeconds) async {
        var collections: [(id: String, collection: JWTKeyCollection)] = []
        for key in keys {
            let collection = JWTKeyCollection()
            await collection.add(hmac: HMACKey(from: key.secret), digestAlgorithm: .sha256, kid: JWKIdentifier(string: key.id))
            collections.append((key.id, collection))
        }
        self.keys = collections
        self.leeway = TimeInterval(leewaySeconds)
    }

    /// Tokens under one secret, with the key id `TokenKey.defaultID`.
    public init(secret: [UInt8], leewaySeconds: Int = defaultLeewaySeconds) async {
        await self.init(keys: [TokenKey(id: TokenKey.defaultID, secret: secret)], leewaySeconds: leewaySeconds)
    }

    /// The key id new tokens are signed with unless another is asked for.
    public var signingID: String? { keys.first?.id }

    /// A token allowing changes to `hash` for `ttl` seconds from now, signed with the key
    /// `kid` (the first key when `nil`), whose id it names in its header.
    public func token(for hash: AvatarHash, ttl: TimeInterval, now: Date = Date(), kid: String? = nil) async throws
        -> String
    {
        guard let key = kid.map({ kid in keys.first { $0.id == kid } }) ?? keys.first else {
            throw UnknownKey(id: kid ?? "")
        }
        let expiry = (now.timeIntervalSince1970 + ttl).rounded(.down)
        return try await key.collection.sign(
            UploadClaims(hash: hash.value, exp: .init(value: Date(timeIntervalSince1970: expiry))),
            kid: JWKIdentifier(string: key.id))
    }

    /// Checks `token` for `hash`: `.unauthorized` for anything malformed, expired, not yet
    /// valid, badly signed or naming an unknown `kid`, `.forbidden` for a valid token issued
    /// for another hash.
    public func authorize(_ token: String, for hash: AvatarHash, now: Date = Date()) async throws(AvatarError) {
        // jwt-kit accepts an HMAC signature whatever `alg` the header names, so a token that
        // does not say HS256 is refused before it reaches the verifier.
        guard let header = Self.header(of: token), header.algorithm == "HS256" else {
            throw .unauthorized(reason: "the token must be an HS256 JWT")
        }
        let candidates: [JWTKeyCollection]
        switch header.keyID {
        case .some(.some(let kid)):
            guard let key = keys.first(where: { $0.id == kid }) else {
                throw .unauthorized(reason: "the token's kid names no configured secret")
            }
            candidates = [key.collection]
        case .some(.none):
            throw .unauthorized(reason: "the token's kid must be a string")
        case .none:
            candidates = keys.map(\.collection)
        }
        var claims: UploadClaims?
        var refusal = "the token is not a valid JWT"
        for collection in candidates where claims == nil {
            do {
                claims = try await collection.verify(token, as: UploadClaims.self)
            } catch let error as JWTError {
                refusal = Self.describe(error)
            } catch {
                refusal = "the token is not a valid JWT"
            }
        }
        guard let claims else { throw .unauthorized(reason: refusal) }
        guard claims.isValid(at: now, leeway: leeway) else {
            throw .unauthorized(reason: "the token has expired or is not valid yet")
        }
        guard AvatarHash(claims.hash) == hash else { throw .forbidden }
    }

    /// The `alg` a token's header names, or `nil` when the header is not a JSON object.
    package static func headerAlgorithm(of token: String) -> String? {
        header(of: token)?.algorithm
    }

    /// A token's `alg`, and its `kid`: absent (`nil`), or present as a string or as something
    /// else (`.some(nil)`); `nil` when the header is not a JSON object.
    private static func header(of token: String) -> (algorithm: String?, keyID: String??)? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let header = Data(base64URLEncoded: parts[0]),
            let object = try? JSONSerialization.jsonObject(with: header) as? [String: Any]
        else { return nil }
        let keyID: String?? = object["kid"].map { $0 as? String }
        return (object["alg"] as? String, keyID)
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
