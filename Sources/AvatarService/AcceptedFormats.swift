import AvatarCore
import Foundation

/// Which of the formats worth negotiating an `Accept` header names with a quality above 0:
/// only the exact types count, since `image/*` and `*/*` say nothing about AVIF or WebP.
public struct AcceptedFormats: Sendable, Hashable {
    public var avif: Bool
    public var webp: Bool

    public init(avif: Bool, webp: Bool) {
        self.avif = avif
        self.webp = webp
    }

    /// From every `Accept` field value of a request. A media range whose `q` is not a valid
    /// quality counts as not accepted.
    public init(accept values: some Sequence<some StringProtocol>) {
        var avif = false
        var webp = false
        for value in values {
            for range in value.split(separator: ",") {
                let parts = range.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                guard let type = parts.first, type == "image/avif" || type == "image/webp" else { continue }
                let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.map { String($0.dropFirst(2)) }
                guard quality.map(Self.isAboveZero) ?? true else { continue }
                if type == "image/avif" { avif = true } else { webp = true }
            }
        }
        self.init(avif: avif, webp: webp)
    }

    /// The format to answer for an original of `format` whose URL names none: AVIF, else
    /// WebP, else the original's family.
    public func choice(for format: ImageFormat) -> ImageFormat {
        if avif { return .avif }
        if webp { return .webp }
        return format.defaultOutput
    }

    /// A `qvalue` (RFC 9110: `0` to `1`, a point and at most three decimals) above zero.
    private static func isAboveZero(_ text: String) -> Bool {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, whole == "0" || whole == "1" else { return false }
        let decimals = parts.count == 2 ? parts[1] : ""
        guard decimals.count <= 3,
            decimals.utf8.allSatisfy({ (0x30...0x39).contains($0) })
        else { return false }
        if whole == "1" { return decimals.utf8.allSatisfy { $0 == 0x30 } }
        return decimals.utf8.contains { $0 != 0x30 }
    }
}
