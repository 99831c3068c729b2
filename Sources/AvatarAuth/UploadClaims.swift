import Foundation
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

    /// Times are checked by `UploadTokens`, which allows for clock skew.
    public func verify(using algorithm: some JWTAlgorithm) async throws {}

    /// Whether the claims are in force at `now`, give or take `leeway` seconds of skew
    /// between the clocks of whoever issued the token and this node.
    func isValid(at now: Date, leeway: TimeInterval) -> Bool {
        exp.value.timeIntervalSince(now) > -leeway && (nbf.map { $0.value.timeIntervalSince(now) <= leeway } ?? true)
    }
}
