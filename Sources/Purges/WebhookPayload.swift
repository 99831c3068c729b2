import AvatarCore
import Crypto
import Foundation

/// The JSON a webhook receives for one change, and its signature.
struct WebhookPayload: Encodable {
    let purge: PendingPurge

    init(_ purge: PendingPurge) {
        self.purge = purge
    }

    /// Every path a CDN may have cached the avatar under, without query strings.
    static func paths(of hash: AvatarHash) -> [String] {
        let extensions = ["", ".jpg", ".jpeg", ".png", ".webp", ".avif", ".gif"]
        return extensions.map { "/\(hash.value)\($0)" } + extensions.map { "/avatar/\(hash.value)\($0)" }
            + ["/info/\(hash.value)"]
    }

    private enum Keys: String, CodingKey {
        case id, event, hash, version, changedAt, paths
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(purge.id.uuidString.lowercased(), forKey: .id)
        try container.encode(purge.event, forKey: .event)
        try container.encode(purge.hash.value, forKey: .hash)
        // Explicitly null for a delete: receivers read the key either way.
        try container.encode(purge.version, forKey: .version)
        try container.encode(Self.timestamp(purge.changedAt), forKey: .changedAt)
        try container.encode(Self.paths(of: purge.hash), forKey: .paths)
    }

    /// The raw body: the same bytes on every retry, so the signature and `id` repeat too.
    var body: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? Array(encoder.encode(self))) ?? []
    }

    /// `sha256=<hex>` of HMAC-SHA256 of `body` under `secret`.
    static func signature(of body: [UInt8], secret: [UInt8]) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: secret))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// RFC 3339 in UTC with milliseconds, from whole milliseconds: a time read back from a
    /// store formats as it did when written.
    static func timestamp(_ date: Date) -> String {
        let raw = (date.timeIntervalSince1970 * 1000).rounded()
        // Times come from a store: one out of any clock's range is clamped, never trapped on.
        let millis: Int64 = raw.isFinite && raw > 0 && raw < 9e15 ? Int64(raw) : 0
        let (seconds, fraction) = millis.quotientAndRemainder(dividingBy: 1000)
        let whole = Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(Date.ISO8601FormatStyle())
        return whole.replacingOccurrences(of: "Z", with: String(format: ".%03dZ", Int(fraction)))
    }
}
