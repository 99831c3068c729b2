import Foundation

/// ThumbHash (Evan Wallace's placeholder encoding): a few bytes from which a page draws a
/// blurred likeness of an image before the image arrives. Encodes at most 100 x 100 RGBA.
enum ThumbHash {
    /// The alpha-weighted mean of each colour channel (0 to 1), and the summed alpha.
    struct Mean {
        let red, green, blue: Double
        let alpha: Double
    }

    /// The alpha-weighted mean of `rgba` (8 bits per band, four bands per pixel).
    static func mean(of rgba: [UInt8]) -> Mean {
        var (red, green, blue, alpha) = (0.0, 0.0, 0.0, 0.0)
        for pixel in stride(from: 0, to: rgba.count - 3, by: 4) {
            let weight = Double(rgba[pixel + 3]) / 255
            red += weight / 255 * Double(rgba[pixel])
            green += weight / 255 * Double(rgba[pixel + 1])
            blue += weight / 255 * Double(rgba[pixel + 2])
            alpha += weight
        }
        guard alpha > 0 else { return Mean(red: 0, green: 0, blue: 0, alpha: 0) }
        return Mean(red: red / alpha, green: green / alpha, blue: blue / alpha, alpha: alpha)
    }

    /// The hash of `width` x `height` pixels of `rgba`; `nil` when larger than 100 x 100 or
    /// the bytes do not match the size.
    static func encode(width: Int, height: Int, rgba: [UInt8]) -> [UInt8]? {
        guard (1...100).contains(width), (1...100).contains(height), rgba.count == width * height * 4 else { return nil }
        let average = mean(of: rgba)
        let count = width * height
        let hasAlpha = average.alpha < Double(count)
        let lumaLimit = hasAlpha ? 5.0 : 7.0
        let longest = Double(max(width, height))
        let lumaX = max(1, Int(rounded(lumaLimit * Double(width) / longest)))
        let lumaY = max(1, Int(rounded(lumaLimit * Double(height) / longest)))

        // Each pixel composited over the mean colour, as luma, two chroma channels and alpha.
        var (luma, p, q, a) = ([Double](), [Double](), [Double](), [Double]())
        for pixel in 0..<count {
            let weight = Double(rgba[pixel * 4 + 3]) / 255
            let red = average.red * (1 - weight) + weight / 255 * Double(rgba[pixel * 4])
            let green = average.green * (1 - weight) + weight / 255 * Double(rgba[pixel * 4 + 1])
            let blue = average.blue * (1 - weight) + weight / 255 * Double(rgba[pixel * 4 + 2])
            luma.append((red + green + blue) / 3)
            p.append((red + green) / 2 - blue)
            q.append(red - green)
            a.append(weight)
        }
        let l = channel(luma, width: width, height: height, nx: max(3, lumaX), ny: max(3, lumaY))
        let pChannel = channel(p, width: width, height: height, nx: 3, ny: 3)
        let qChannel = channel(q, width: width, height: height, nx: 3, ny: 3)
        let aChannel = hasAlpha ? channel(a, width: width, height: height, nx: 5, ny: 5) : nil

        let isLandscape = width > height
        let header24 =
            Int(rounded(63 * l.dc)) | Int(rounded(31.5 + 31.5 * pChannel.dc)) << 6
            | Int(rounded(31.5 + 31.5 * qChannel.dc)) << 12 | Int(rounded(31 * l.scale)) << 18 | (hasAlpha ? 1 << 23 : 0)
        let header16 =
            (isLandscape ? lumaY : lumaX) | Int(rounded(63 * pChannel.scale)) << 3
            | Int(rounded(63 * qChannel.scale)) << 9 | (isLandscape ? 1 << 15 : 0)
        var hash: [UInt8] = [
            UInt8(header24 & 255), UInt8(header24 >> 8 & 255), UInt8(header24 >> 16 & 255), UInt8(header16 & 255),
            UInt8(header16 >> 8 & 255),
        ]
        if let aChannel { hash.append(UInt8(Int(rounded(15 * aChannel.dc)) | Int(rounded(15 * aChannel.scale)) << 4)) }
        // Then every AC coefficient as four bits, two to a byte, low nibble first.
        var index = 0
        for coefficients in [l.ac, pChannel.ac, qChannel.ac, aChannel?.ac ?? []] {
            for coefficient in coefficients {
                if index % 2 == 0 { hash.append(0) }
                hash[hash.count - 1] |= UInt8(Int(rounded(15 * coefficient)) << (index % 2 * 4))
                index += 1
            }
        }
        return hash
    }

    /// A channel's DCT: the DC term, the AC terms of the lower triangle scaled into 0...1,
    /// and the scale they were divided by.
    private static func channel(_ values: [Double], width: Int, height: Int, nx: Int, ny: Int)
        -> (dc: Double, ac: [Double], scale: Double)
    {
        var dc = 0.0
        var ac: [Double] = []
        var scale = 0.0
        var cosinesX = [Double](repeating: 0, count: width)
        for cy in 0..<ny {
            var cx = 0
            while cx * ny < nx * (ny - cy) {
                for x in 0..<width { cosinesX[x] = cos(Double.pi / Double(width) * Double(cx) * (Double(x) + 0.5)) }
                var f = 0.0
                for y in 0..<height {
                    let cosineY = cos(Double.pi / Double(height) * Double(cy) * (Double(y) + 0.5))
                    for x in 0..<width { f += values[x + y * width] * cosinesX[x] * cosineY }
                }
                f /= Double(width * height)
                if cx > 0 || cy > 0 {
                    ac.append(f)
                    scale = max(scale, abs(f))
                } else {
                    dc = f
                }
                cx += 1
            }
        }
        if scale > 0 { ac = ac.map { 0.5 + 0.5 / scale * $0 } }
        return (dc, ac, scale)
    }

    /// Halves round up, as the reference's `Math.round` does.
    private static func rounded(_ value: Double) -> Double { (value + 0.5).rounded(.down) }
}
