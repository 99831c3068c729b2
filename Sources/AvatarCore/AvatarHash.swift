/// The key an avatar is stored under: an MD5, SHA-1 or SHA-256 hex digest of anything
/// (an email, a user id), case-insensitive and always kept lowercase.
public struct AvatarHash: Hashable, Sendable, CustomStringConvertible {
    /// The lowercase hex digits.
    public let value: String

    /// Accepts 32, 40 or 64 hex characters in either case; anything else is `nil`.
    /// Inlinable so that callers get it specialised: it runs on every request.
    @inlinable
    public init?(_ text: some StringProtocol) {
        self.init(validating: String(text))
    }

    @usableFromInline
    init?(validating text: String) {
        var text = text
        // One pass over the bytes; hex is ASCII, so lowercasing is a byte map, and most
        // clients send lowercase already.
        let (valid, hasUppercase) = text.withUTF8 { bytes -> (Bool, Bool) in
            guard bytes.count == 32 || bytes.count == 40 || bytes.count == 64 else { return (false, false) }
            var hasUppercase = false
            for byte in bytes {
                switch byte {
                case 0x30...0x39, 0x61...0x66: continue
                case 0x41...0x46: hasUppercase = true
                default: return (false, false)
                }
            }
            return (true, hasUppercase)
        }
        guard valid else { return nil }
        value = hasUppercase ? String(decoding: text.utf8.map { $0 <= 0x46 && $0 >= 0x41 ? $0 + 0x20 : $0 }, as: UTF8.self) : text
    }

    public var description: String { value }

    /// A hash read back from a name this service stored (a directory, an object key): valid and
    /// already lowercase, as every stored name is; `nil` for anything else.
    public init?(stored text: some StringProtocol) {
        guard let hash = AvatarHash(text), hash.value.utf8.elementsEqual(text.utf8) else { return nil }
        self = hash
    }

    /// Whether `text` is nothing but lowercase hex digits, as stored names derived from hashes are.
    public static func isLowercaseHex(_ text: some StringProtocol) -> Bool {
        text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}

/// Kept as its lowercase hex text; decoding validates it like any other input.
extension AvatarHash: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let hash = AvatarHash(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an avatar hash"))
        }
        self = hash
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}

extension AvatarHash {
    /// 32 zeros: a valid hash that stands for "any hash", as in the cache key of a drawing
    /// every hash shares.
    public static let zeros = AvatarHash(lowercaseHex: String(repeating: "0", count: 32))

    /// A value already known to be lowercase hex of a valid length.
    private init(lowercaseHex: String) {
        value = lowercaseHex
    }
}
