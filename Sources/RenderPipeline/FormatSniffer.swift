import AvatarCore

/// Identifies an upload's format from its magic bytes against the allow-list, before
/// libvips sees a byte: SVG, PDF, TIFF and everything else are refused whatever libvips
/// could load.
public enum FormatSniffer {
    public static func format(of bytes: some Collection<UInt8>) -> ImageFormat? {
        let head = Array(bytes.prefix(Self.largestFileTypeBox))
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return .jpeg }
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if head.starts(with: Array("GIF87a".utf8)) || head.starts(with: Array("GIF89a".utf8)) { return .gif }
        if head.count >= 12, head[0..<4].elementsEqual("RIFF".utf8), head[8..<12].elementsEqual("WEBP".utf8) {
            return .webp
        }
        return isobmffFormat(head)
    }

    /// Real `ftyp` boxes list a handful of brands; a larger one is not an image's.
    static let largestFileTypeBox = 256

    /// AVIF and HEIF are ISO-BMFF files whose first box is `ftyp`: a 32-bit size that
    /// covers the box and lies within the file, then a major brand, a minor version and
    /// whole compatible brands. One of the brands must name AVIF or HEIF.
    private static func isobmffFormat(_ head: [UInt8]) -> ImageFormat? {
        guard head.count >= 16, head[4..<8].elementsEqual("ftyp".utf8) else { return nil }
        let boxSize = head[0..<4].reduce(0) { $0 << 8 | Int($1) }
        guard boxSize >= 16, boxSize <= head.count, boxSize % 4 == 0 else { return nil }
        let brandOffsets = [8] + Array(stride(from: 16, to: boxSize, by: 4))
        let brands = brandOffsets.map { head[$0..<$0 + 4] }
        guard brands.allSatisfy({ $0.allSatisfy { (0x20...0x7E).contains($0) } }) else { return nil }
        let names = Set(brands.map { String(decoding: $0, as: UTF8.self) })
        if !names.isDisjoint(with: ["avif", "avis"]) { return .avif }
        if !names.isDisjoint(with: ["heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1"]) { return .heif }
        return nil
    }
}
