import AvatarCore

/// A rectangle in an image's pixels.
struct PixelBox: Equatable, Sendable {
    var x: Int
    var y: Int
    var width: Int
    var height: Int

    var longerSide: Int { max(width, height) }

    /// The smallest box holding both.
    func union(_ other: PixelBox) -> PixelBox {
        let left = min(x, other.x), top = min(y, other.y)
        let right = max(x + width, other.x + other.width), bottom = max(y + height, other.y + other.height)
        return PixelBox(x: left, y: top, width: right - left, height: bottom - top)
    }

    /// This box cut to lie inside a `width` x `height` image.
    func clamped(width: Int, height: Int) -> PixelBox {
        let left = min(max(0, x), width), top = min(max(0, y), height)
        let right = min(max(left, x + self.width), width), bottom = min(max(top, y + self.height), height)
        return PixelBox(x: left, y: top, width: right - left, height: bottom - top)
    }

    /// This box in an image `x` times as wide and `y` times as tall.
    func scaled(x scaleX: Double, y scaleY: Double) -> PixelBox {
        PixelBox(
            x: Int((Double(x) * scaleX).rounded()), y: Int((Double(y) * scaleY).rounded()),
            width: Int((Double(width) * scaleX).rounded()), height: Int((Double(height) * scaleY).rounded()))
    }
}

/// The square an `auto` crop takes around the faces found: pure arithmetic, no image.
enum FaceFraming {
    /// With B the faces' bounding box and F the largest face's side, a square of side
    /// `min(shorter side, max(1.5 x max(Bw, Bh), max(Bw, Bh) + F))` centred on B, then
    /// shifted (never shrunk) to lie inside the `width` x `height` image. When it cannot
    /// hold B, the largest face alone is B. `nil` without faces.
    static func square(around faces: [PixelBox], width: Int, height: Int) -> AvatarCrop? {
        guard let largest = faces.max(by: { $0.longerSide < $1.longerSide }) else { return nil }
        let all = faces.dropFirst().reduce(faces[0]) { $0.union($1) }
        let shorter = min(width, height)
        let face = largest.longerSide
        func squareSide(_ bounds: PixelBox) -> Int {
            let extent = bounds.longerSide
            return min(shorter, max(extent * 3 / 2, extent + face))
        }
        var bounds = all
        if squareSide(all) < all.longerSide { bounds = largest }
        let side = max(1, squareSide(bounds))
        let centreX = bounds.x + bounds.width / 2, centreY = bounds.y + bounds.height / 2
        return AvatarCrop(
            x: min(max(0, centreX - side / 2), width - side), y: min(max(0, centreY - side / 2), height - side),
            size: side, source: .faces)
    }
}
