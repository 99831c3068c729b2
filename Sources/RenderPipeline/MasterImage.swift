/// An original shrunk once to `RenderParameters.masterSize`: upright, centre-cropped,
/// 8-bit sRGB pixels. Renders up to that size are made from it, so a 5,000 px original is
/// decoded once per node rather than once per size. Pixels stay uncompressed, since
/// decoding a compressed master would cost more than the small render made from it.
public struct MasterImage: Sendable {
    /// Names masters in the cache: they are pixels, not an image file format.
    public static let contentType = "application/x-avatars-master"
    private static let magic: [UInt8] = Array("AVM1".utf8)
    private static let headerSize = 16

    /// Stored form: "AVM1", then width, height and bands as big-endian UInt32, then the pixels.
    public let serialized: [UInt8]

    public var width: Int { field(at: 4) }
    public var height: Int { field(at: 8) }
    /// 3 (RGB) or 4 (RGB and alpha).
    public var bands: Int { field(at: 12) }

    init(width: Int, height: Int, bands: Int, pixels: UnsafeRawBufferPointer) {
        var serialized = Self.magic
        serialized.reserveCapacity(Self.headerSize + pixels.count)
        for value in [width, height, bands] {
            withUnsafeBytes(of: UInt32(value).bigEndian) { serialized.append(contentsOf: $0) }
        }
        serialized.append(contentsOf: pixels)
        self.serialized = serialized
    }

    /// Reads a stored master; `nil` unless the header and the pixel count agree.
    public init?(serialized: [UInt8]) {
        guard serialized.count >= Self.headerSize, Array(serialized.prefix(4)) == Self.magic else { return nil }
        self.serialized = serialized
        guard [3, 4].contains(bands), width > 0, height > 0,
            serialized.count == Self.headerSize + width * height * bands
        else { return nil }
    }

    func withPixels<Result>(_ body: (UnsafeRawBufferPointer) throws(RenderFailure) -> Result) throws(RenderFailure) -> Result {
        let result: Swift.Result<Result, RenderFailure> = serialized.withUnsafeBytes { bytes in
            Swift.Result { () throws(RenderFailure) in try body(UnsafeRawBufferPointer(rebasing: bytes[Self.headerSize...])) }
        }
        return try result.get()
    }

    private func field(at offset: Int) -> Int {
        serialized[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
    }
}
