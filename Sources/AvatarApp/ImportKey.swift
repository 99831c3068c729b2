import AvatarAuth
import AvatarCore

/// What a key in an import source names: a hash as it is, or an e-mail address to hash.
public enum ImportKey: Sendable, Equatable {
    case hash(AvatarHash)
    case address(String)
    /// Neither: 32, 40 or 64 hex characters, or text with exactly one `@`.
    case invalid

    public init(_ key: String) {
        if let hash = AvatarHash(key) {
            self = .hash(hash)
        } else if key.utf8.count(where: { $0 == UInt8(ascii: "@") }) == 1 {
            self = .address(key)
        } else {
            self = .invalid
        }
    }
}
