import CVipsProbe

/// What a test can learn about encoded image bytes by decoding them with libvips.
public struct ImageProbe: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public let bands: Int
    public let isSRGB: Bool
    public let hasEXIF: Bool
    public let hasICC: Bool
    public let pages: Int

    public init?(_ bytes: [UInt8]) {
        var info = avatars_probe_info()
        guard bytes.withUnsafeBytes({ avatars_probe($0.baseAddress, $0.count, &info) }) == 0 else { return nil }
        width = Int(info.width)
        height = Int(info.height)
        bands = Int(info.bands)
        isSRGB = info.is_srgb != 0
        hasEXIF = info.has_exif != 0
        hasICC = info.has_icc != 0
        pages = Int(info.pages)
    }

    /// Every frame's delay in milliseconds and the loop count (`nil` when the file has none).
    public static func animation(_ bytes: [UInt8]) -> (delays: [Int], loop: Int?)? {
        var delays = [Int32](repeating: 0, count: 1024)
        var loop: Int32 = -1
        let count = bytes.withUnsafeBytes { buffer in
            delays.withUnsafeMutableBufferPointer {
                avatars_probe_animation(buffer.baseAddress, buffer.count, $0.baseAddress, Int32($0.count), &loop)
            }
        }
        guard count >= 0 else { return nil }
        return (delays.prefix(Int(min(count, 1024))).map(Int.init), loop >= 0 ? Int(loop) : nil)
    }

    /// The pixel at (x, y) of the first frame, one value per band.
    public static func pixel(_ bytes: [UInt8], x: Int, y: Int) -> [Double]? {
        pixel(bytes, frame: 0, x: x, y: y)
    }

    /// The pixel at (x, y) of frame `frame` of an animation, one value per band.
    public static func pixel(_ bytes: [UInt8], frame: Int, x: Int, y: Int) -> [Double]? {
        var values: (Double, Double, Double, Double) = (0, 0, 0, 0)
        let count = bytes.withUnsafeBytes { buffer in
            withUnsafeMutablePointer(to: &values) { tuple in
                tuple.withMemoryRebound(to: Double.self, capacity: 4) {
                    frame == 0
                        ? avatars_probe_pixel(buffer.baseAddress, buffer.count, Int32(x), Int32(y), $0)
                        : avatars_probe_frame_pixel(buffer.baseAddress, buffer.count, Int32(frame), Int32(x), Int32(y), $0)
                }
            }
        }
        guard count > 0 else { return nil }
        return Array([values.0, values.1, values.2, values.3].prefix(Int(count)))
    }
}
