import JWTKit

/// The claims of an upload token: which hash it may change and for how long.
public struct UploadClaims: JWTPayload, Equatable {
    public var hash: String
    public var exp: ExpirationClaim
    public var nbf: NotBeforeClaim?

    public init(hash: String, exp: ExpirationClaim, nbf: NotBeforeClaim? = nil) {
        self.hash = hash
        self.exp = exp
        self.nbf = nbf
    }

    public func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        try nbf?.verifyNotBefore()
    }
}
