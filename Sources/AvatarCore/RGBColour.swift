/// An opaque 8-bit sRGB colour, as `bg` gives it: exactly six hex digits, no `#`.
public struct RGBColour: Sendable, Hashable {
    public let red: UInt8
    public let green: UInt8
    public let blue: UInt8

    /// What transparency is flattened onto when nothing else is asked for.
    public static let white = RGBColour(red: 255, green: 255, blue: 255)

    public init(red: UInt8, green: UInt8, blue: UInt8) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// `RRGGBB` in either case; `nil` for anything else (a `#`, three digits, a name).
    public init?(hex text: some StringProtocol) {
        let digits = Array(text.utf8)
        guard digits.count == 6 else { return nil }
        var channels: [UInt8] = []
        for pair in stride(from: 0, to: 6, by: 2) {
            guard let high = Self.nibble(digits[pair]), let low = Self.nibble(digits[pair + 1]) else { return nil }
            channels.append(high << 4 | low)
        }
        self.init(red: channels[0], green: channels[1], blue: channels[2])
    }

    /// Lowercase `rrggbb`.
    public var hex: String {
        [red, green, blue].map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
    }

    private static func nibble(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
