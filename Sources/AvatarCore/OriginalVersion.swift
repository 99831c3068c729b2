import Foundation
import Crypto

/// Derives an original's version from its bytes, so identical uploads share a version
/// on every node and a render keyed by version can never be stale.
public enum OriginalVersion {
    /// Whether `text` has the form `of(_:)` gives: 20 lowercase hex digits.
    public static func isWellFormed(_ text: some StringProtocol) -> Bool {
        text.utf8.count == 20 && AvatarHash.isLowercaseHex(text)
    }

    /// The first 20 hex digits (80 bits) of the bytes' SHA-256.
    public static func of(_ bytes: some DataProtocol) -> String {
        hex(SHA256.hash(data: bytes))
    }

    /// The version of an avatar showing `crop` of the original whose version is `original`:
    /// that version itself for the centre square (as before crops existed, so no stored
    /// avatar changes), else derived from it and the square, so an identical re-upload
    /// with the same crop keeps its version.
    public static func of(original: String, crop: AvatarCrop) -> String {
        guard crop.source != .centre else { return original }
        return hex(SHA256.hash(data: Array("\(original):\(crop.x),\(crop.y),\(crop.size)".utf8)))
    }

    private static func hex(_ digest: SHA256.Digest) -> String {
        digest.prefix(10).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
