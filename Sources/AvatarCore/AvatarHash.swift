/// The key an avatar is stored under: an MD5, SHA-1 or SHA-256 hex digest of anything
/// (an email, a user id), case-insensitive and always kept lowercase.
public struct AvatarHash: Hashable, Sendable, CustomStringConvertible {
    /// The lowercase hex digits.
    public let value: String

    /// Accepts 32, 40 or 64 hex characters in either case; anything else is `nil`.
    public init?(_ text: some StringProtocol) {
        guard [32, 40, 64].contains(text.utf8.count),
            text.utf8.allSatisfy({ $0.isHexDigit })
        else { return nil }
        self.value = String(text).lowercased()
    }

    public var description: String { value }
}

extension UInt8 {
    var isHexDigit: Bool {
        (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
    }
}
