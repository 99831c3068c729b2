import Crypto

/// Deterministic bytes for drawing, derived from the hash (and any text), so the same
/// request draws the same image on every node and after every restart.
struct ArtSeed {
    private let bytes: [UInt8]

    init(_ parts: String...) {
        var stream: [UInt8] = []
        for counter in 0..<4 {
            let digest = SHA256.hash(data: Array((parts.joined(separator: "\u{1F}") + "#\(counter)").utf8))
            stream += Array(digest)
        }
        bytes = stream
    }

    subscript(_ index: Int) -> Int { Int(bytes[index % bytes.count]) }

    /// A value in `0..<count` from byte `index`.
    func pick(_ index: Int, _ count: Int) -> Int { self[index] % count }

    func bit(_ index: Int) -> Bool { (self[index / 8] >> (index % 8)) & 1 == 1 }

    /// An `#rrggbb` colour: hue from the seed, saturation and lightness as given (0...1).
    func color(_ index: Int, saturation: Double, lightness: Double) -> String {
        let hue = Double((self[index] << 8 | self[index + 1]) % 360)
        return Self.hsl(hue, saturation, lightness)
    }

    static func hsl(_ hue: Double, _ saturation: Double, _ lightness: Double) -> String {
        let chroma = (1 - abs(2 * lightness - 1)) * saturation
        let segment = hue / 60
        let x = chroma * (1 - abs(segment.truncatingRemainder(dividingBy: 2) - 1))
        let (r, g, b): (Double, Double, Double) =
            switch Int(segment) {
            case 0: (chroma, x, 0)
            case 1: (x, chroma, 0)
            case 2: (0, chroma, x)
            case 3: (0, x, chroma)
            case 4: (x, 0, chroma)
            default: (chroma, 0, x)
            }
        let m = lightness - chroma / 2
        func hex(_ value: Double) -> String {
            let byte = Int(((value + m) * 255).rounded())
            return (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }
        return "#" + hex(r) + hex(g) + hex(b)
    }
}
