/// The key an avatar is stored under: an MD5, SHA-1 or SHA-256 hex digest of anything
/// (an email, a user id), case-insensitive and always kept lowercase.
public struct AvatarHash: Hashable, Sendable, CustomStringConvertible {
    /// The lowercase hex digits.
    public let value: String

    /// Accepts 32, 40 or 64 hex characters in either case; anything else is `nil`.
    public init?(_ text: some StringProtocol) {
        let utf8 = text.utf8
        guard utf8.count == 32 || utf8.count == 40 || utf8.count == 64, utf8.allSatisfy({ $0.isHexDigit }) else {
            return nil
        }
        // Hex is ASCII, so lowercasing is a byte map; most clients send lowercase already.
        self.value =
            utf8.contains(where: { $0 >= 0x41 && $0 <= 0x46 })
            ? String(decoding: utf8.map { $0 >= 0x41 && $0 <= 0x46 ? $0 + 0x20 : $0 }, as: UTF8.self)
            : String(text)
    }

    public var description: String { value }
}

extension UInt8 {
    var isHexDigit: Bool {
        (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
    }
}
