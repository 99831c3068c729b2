/// An original shrunk once to `RenderParameters.masterSize`: upright, centre-cropped,
/// 8-bit sRGB pixels. Renders up to that size are made from it, so a 5,000 px original is
/// decoded once per node rather than once per size. Pixels stay uncompressed, since
/// decoding a compressed master would cost more than the small render made from it.
///
/// A master is hundreds of KiB, read for every render made from it: it is copied once, out
/// of the cache, into memory that libvips then reads in place.
public struct MasterImage: Sendable {
    /// Names masters in the cache: they are pixels, not an image file format.
    public static let contentType = "application/x-avatars-master"
    private static let magic: [UInt8] = Array("AVM1".utf8)
    private static let headerSize = 16

    /// Stored form: "AVM1", then width, height and bands as big-endian UInt32, then the pixels.
    let storage: PinnedBytes

    public let width: Int
    public let height: Int
    /// 3 (RGB) or 4 (RGB and alpha).
    public let bands: Int

    init(width: Int, height: Int, bands: Int, pixels: UnsafeRawBufferPointer) {
        storage = PinnedBytes(count: Self.headerSize + pixels.count) { target in
            var header = Self.magic
            for value in [width, height, bands] {
                withUnsafeBytes(of: UInt32(truncatingIfNeeded: value).bigEndian) { header.append(contentsOf: $0) }
            }
            header.withUnsafeBytes { target.copyMemory(from: $0) }
            UnsafeMutableRawBufferPointer(rebasing: target[Self.headerSize...]).copyMemory(from: pixels)
        }
        (self.width, self.height, self.bands) = (width, height, bands)
    }

    /// Reads a stored master, copying it; `nil` unless the header and the pixel count agree.
    public init?(copying serialized: UnsafeRawBufferPointer) {
        guard let layout = Self.layout(of: serialized) else { return nil }
        (width, height, bands) = (layout.width, layout.height, layout.bands)
        storage = PinnedBytes(count: serialized.count) { $0.copyMemory(from: serialized) }
    }

    /// `body` applied to a stored master's pixels where they lie, without a copy: they are
    /// valid inside `body` only. `nil` unless the header and the pixel count agree.
    static func withPixels<T>(of serialized: UnsafeRawBufferPointer, _ body: (MasterPixels) -> T) -> T? {
        guard let layout = Self.layout(of: serialized) else { return nil }
        return body(
            MasterPixels(
                width: layout.width, height: layout.height, bands: layout.bands,
                bytes: UnsafeRawBufferPointer(rebasing: serialized[(serialized.startIndex + Self.headerSize)...])))
    }

    /// Width, height and bands from a stored master's header, when its pixels are all there.
    private static func layout(of serialized: UnsafeRawBufferPointer) -> (width: Int, height: Int, bands: Int)? {
        guard serialized.count >= Self.headerSize, serialized.prefix(4).elementsEqual(Self.magic) else { return nil }
        func field(_ offset: Int) -> Int { serialized[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) } }
        let (width, height, bands) = (field(4), field(8), field(12))
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        // No master is larger than `masterSize`: a larger one is damaged, and is made again.
        guard [3, 4].contains(bands), (1...RenderParameters.masterSize).contains(width),
            (1...RenderParameters.masterSize).contains(height), !overflow, pixels <= Int.max / 4,
            serialized.count - Self.headerSize == pixels * bands
        else { return nil }
        return (width, height, bands)
    }

    /// The pixels as RGBA, alpha opaque where there is none.
    var rgba: [UInt8] {
        storage.withBytes { stored in
            let pixels = stored[Self.headerSize...]
            guard bands == 3 else { return Array(pixels) }
            var rgba: [UInt8] = []
            rgba.reserveCapacity(pixels.count / 3 * 4)
            var index = pixels.startIndex
            while index + 2 < pixels.endIndex {
                rgba += [pixels[index], pixels[index + 1], pixels[index + 2], 255]
                index += 3
            }
            return rgba
        }
    }

    /// The stored form, for the cache.
    public var serialized: [UInt8] { storage.withBytes(Array.init) }

    /// The pixels, valid while `storage` lives.
    var pixels: MasterPixels {
        let start = storage.baseAddress.map { $0 + Self.headerSize }
        return MasterPixels(
            width: width, height: height, bands: bands,
            bytes: UnsafeRawBufferPointer(start: start, count: storage.count - Self.headerSize))
    }
}

/// A master's 8-bit sRGB pixels, rows of `width`, `bands` bytes each, owned elsewhere: by a
/// `MasterImage`, or by the cache's read transaction for the length of one call.
struct MasterPixels {
    let width: Int
    let height: Int
    /// 3 (RGB) or 4 (RGB and alpha).
    let bands: Int
    let bytes: UnsafeRawBufferPointer
}
