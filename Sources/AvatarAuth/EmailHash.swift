import AvatarCore
import Crypto

/// How an e-mail address becomes an avatar hash. MD5 and SHA-256 are Gravatar's and can be
/// reversed by hashing a list of addresses; HMAC-SHA256 under a site key cannot without it.
public enum EmailHash: String, Sendable, CaseIterable {
    case md5
    case sha256
    case hmacSHA256 = "hmac-sha256"

    /// The address as every method hashes it: ASCII whitespace trimmed, lower-cased.
    public static func normalised(_ address: String) -> String {
        let whitespace: Set<Character> = [" ", "\t", "\n", "\r", "\u{0B}", "\u{0C}", "\r\n"]
        var text = Substring(address)
        while let first = text.first, whitespace.contains(first) { text.removeFirst() }
        while let last = text.last, whitespace.contains(last) { text.removeLast() }
        return text.lowercased()
    }

    /// The hash of `address`; `key` is the site key, required by (and only used for) HMAC-SHA256.
    public func hash(_ address: String, key: SiteHashKey?) -> AvatarHash? {
        let bytes = Array(Self.normalised(address).utf8)
        let digest: [UInt8]
        switch self {
        case .md5: digest = Array(Insecure.MD5.hash(data: bytes))
        case .sha256: digest = Array(SHA256.hash(data: bytes))
        case .hmacSHA256:
            guard let key else { return nil }
            digest = Array(HMAC<SHA256>.authenticationCode(for: bytes, using: SymmetricKey(data: key.bytes)))
        }
        return AvatarHash(digest.map { byte in String(byte, radix: 16).leftPadded(to: 2) }.joined())
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
