/// One secret upload tokens are signed with, and the key id (`kid`) such tokens name in their
/// header, so a verifier holding several secrets knows which one to check.
public struct TokenKey: Sendable, Equatable {
    /// The key id of the single secret `auth.jwtSecret` or `auth.jwtSecretFile` configures.
    public static let defaultID = "default"
    /// Most characters of a key id.
    public static let maxIDLength = 64

    public let id: String
    public let secret: [UInt8]

    public init(id: String, secret: [UInt8]) {
        self.id = id
        self.secret = secret
    }

    /// Whether `id` may name a key: 1 to `maxIDLength` of `A-Z a-z 0-9 . _ -`, so it reads
    /// the same in a JSON header, a log line and an environment variable.
    public static func isValidID(_ id: some StringProtocol) -> Bool {
        (1...maxIDLength).contains(id.utf8.count)
            && id.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                    || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: ".")
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            }
    }
}
