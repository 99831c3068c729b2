/// Counts a JPEG's scans (SOS markers) by walking its segments and entropy-coded data,
/// before any decoder runs: a progressive JPEG has about ten, and a file with thousands
/// of tiny scans makes libjpeg redo its whole image for each (a decode bomb).
enum JPEGScans {
    /// More scans than this is refused.
    static let limit = 100

    /// The scans in `bytes`, counted up to `limit + 1`.
    static func count(in bytes: [UInt8]) -> Int {
        var scans = 0
        var offset = 2
        while offset + 1 < bytes.count, scans <= limit {
            guard bytes[offset] == 0xFF else {
                offset += 1
                continue
            }
            let marker = bytes[offset + 1]
            switch marker {
            case 0xFF:
                offset += 1  // fill byte
            case 0x00, 0x01, 0xD0...0xD8:
                offset += 2  // stuffed zero, TEM, restart markers, SOI: no length
            case 0xD9:
                return scans  // end of image
            default:
                guard offset + 3 < bytes.count else { return scans }
                if marker == 0xDA { scans += 1 }
                let length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
                offset += 2 + max(length, 2)
            }
        }
        return scans
    }
}
