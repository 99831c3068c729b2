import AvatarCore

/// An animation's master: every frame of its square, upright and shrunk once to the
/// largest side it is rendered at, as one PNG of the frames stacked (lossless, and never
/// merging frames that look alike as WebP's animation encoder does), with the delays and
/// loop count PNG cannot hold. Animated renders start from it, so all frames of the
/// original are decoded once per node.
public struct AnimatedMaster: Sendable, Equatable {
    /// Names animated masters in the cache; never served.
    public static let contentType = "application/x-avatars-animated-master"
    private static let magic: [UInt8] = Array("AVA1".utf8)
    /// Stands for "none" where a count or the loop is not known.
    private static let absent = UInt32.max

    /// Width and height of each frame.
    public let side: Int
    public let frames: Int
    /// Milliseconds each frame shows; `nil` when the original named none.
    public let delays: [Int]?
    /// Times the animation plays (0: forever); `nil` when the original named none.
    public let loop: Int?
    /// The frames, `side` wide and `side x frames` tall.
    let png: [UInt8]

    init(side: Int, frames: Int, delays: [Int]?, loop: Int?, png: [UInt8]) {
        (self.side, self.frames, self.delays, self.loop, self.png) = (side, frames, delays, loop, png)
    }

    /// Stored form: "AVA1", side, frames, loop and the number of delays as big-endian UInt32
    /// (`UInt32.max` for no loop), each delay, then the PNG.
    public var serialized: [UInt8] {
        var bytes = Self.magic
        func append(_ value: UInt32) { withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) } }
        append(UInt32(clamping: side))
        append(UInt32(clamping: frames))
        append(loop.map { UInt32(clamping: $0) } ?? Self.absent)
        append(UInt32(clamping: delays?.count ?? 0))
        for delay in delays ?? [] { append(UInt32(clamping: delay)) }
        bytes += png
        return bytes
    }

    /// Reads a stored master; `nil` unless its header is whole and consistent.
    public init?(serialized bytes: some Collection<UInt8>) {
        let bytes = Array(bytes)
        guard bytes.count >= 20, bytes.prefix(4).elementsEqual(Self.magic) else { return nil }
        func field(_ index: Int) -> UInt32 { bytes[index * 4 + 4..<index * 4 + 8].reduce(0) { $0 << 8 | UInt32($1) } }
        let side = Int(field(0)), frames = Int(field(1)), loop = field(2), count = Int(field(3))
        // Every field is at most UInt32.max, so none of these products overflows Int.
        guard side > 0, frames > 0, count == 0 || count == frames, bytes.count > 20 + count * 4,
            loop == Self.absent || loop <= UInt32(Int32.max)
        else { return nil }
        let delays = (0..<count).map { Int(field(4 + $0)) }
        guard delays.allSatisfy({ $0 <= Int(Int32.max) }) else { return nil }
        self.init(
            side: side, frames: frames, delays: count == 0 ? nil : delays, loop: loop == Self.absent ? nil : Int(loop),
            png: Array(bytes[(20 + count * 4)...]))
    }
}
