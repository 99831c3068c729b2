import Crypto
import Foundation

/// Unpadded base64url, as JWTs spell their parts.
public func base64URL(_ bytes: some DataProtocol) -> String {
    Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
        .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
}

/// A token with any header, signed with HMAC-SHA256 under `key`: what an attacker, or another
/// issuer, could send.
public func handMade(header: String, payload: String, key: [UInt8]) -> String {
    let signingInput = base64URL(Array(header.utf8)) + "." + base64URL(Array(payload.utf8))
    let mac = HMAC<SHA256>.authenticationCode(for: Array(signingInput.utf8), using: SymmetricKey(data: key))
    return signingInput + "." + base64URL(Array(mac))
}

/// The JSON object of a token's header.
public func header(of token: String) -> [String: Any]? {
    var text = token.split(separator: ".", omittingEmptySubsequences: false)[0]
        .replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    text += String(repeating: "=", count: (4 - text.count % 4) % 4)
    return Data(base64Encoded: text).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
}
