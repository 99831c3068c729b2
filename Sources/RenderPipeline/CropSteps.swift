import AvatarCore

/// The steps that find an `auto` square in an original and cut a record's square out of
/// it. Coordinates are in pixels of the upright original, `width` x `height`.
enum CropSteps {
    /// Faces and attention are looked for on a copy of at most this many pixels, whatever
    /// its shape: faces a tenth of a photo's side stay large enough to find, in a fraction
    /// of the full decode's time.
    static let searchPixels = 640 * 640
    /// The cascade's own window: smaller faces are not found at all.
    static let smallestFace = 24

    /// Faces first (when a detector is loaded): the square `FaceFraming` puts around them.
    /// Without faces, libvips' attention smartcrop picks a square of the shorter side.
    static func autoSquare(
        _ original: ImageBytes, width: Int, height: Int, detector: FaceDetector?, by deadline: RenderDeadline
    ) throws(RenderFailure) -> AvatarCrop {
        let shrink = min(1, (Double(searchPixels) / (Double(width) * Double(height))).squareRoot())
        let fitted = try RenderSteps.fit(
            original, width: max(1, Int((Double(width) * shrink).rounded())),
            height: max(1, Int((Double(height) * shrink).rounded())))
        let small = try RenderSteps.inMemory(RenderSteps.toSRGB(fitted), by: deadline)
        // Each axis by its own ratio: shrinking rounds each side on its own.
        let scaleX = Double(width) / Double(max(1, small.width)), scaleY = Double(height) / Double(max(1, small.height))
        if let detector {
            let minSide = max(smallestFace, min(small.width, small.height) / 12)
            let found = try RenderSteps.grey(small, by: deadline) {
                detector.faces(in: $0, width: small.width, height: small.height, minSide: minSide)
            }
            let faces = (found ?? []).map { $0.scaled(x: scaleX, y: scaleY).clamped(width: width, height: height) }
            if let square = FaceFraming.square(around: faces.filter { $0.width > 0 && $0.height > 0 }, width: width, height: height) {
                return square
            }
        }
        let side = min(width, height)
        let spot = try RenderSteps.attention(small, side: min(small.width, small.height))
        return AvatarCrop(
            x: min(max(0, Int((Double(spot.left) * scaleX).rounded())), width - side),
            y: min(max(0, Int((Double(spot.top) * scaleY).rounded())), height - side),
            size: side, source: .attention)
    }

    /// The square `crop` at exactly `size` pixels, sRGB: decoded at a power-of-two shrink
    /// that keeps the square at least `size` (what JPEG shrink-on-load gives without a
    /// resample of the whole picture), cut out, and only then resampled to `size`.
    static func square(_ original: ImageBytes, crop: AvatarCrop, width: Int, height: Int, size: Int)
        throws(RenderFailure) -> VipsImageHandle
    {
        guard crop.fits(width: width, height: height) else {
            throw RenderFailure(step: "cut", message: "the square \(crop) lies outside \(width)x\(height)")
        }
        // Rounded up, as JPEG's shrink on load rounds: then nothing is left to resample.
        let shrink = loadShrink(crop.size, to: size)
        let fitted = try RenderSteps.fit(original, width: (width + shrink - 1) / shrink, height: (height + shrink - 1) / shrink)
        // The decoded copy's own scale on each axis: shrinking rounds each side on its own.
        let scaleX = Double(fitted.width) / Double(width), scaleY = Double(fitted.height) / Double(height)
        let side = max(1, min(Int((Double(crop.size) * min(scaleX, scaleY)).rounded()), fitted.width, fitted.height))
        let cut = try RenderSteps.cut(
            fitted, left: Int((Double(crop.x) * scaleX).rounded()), top: Int((Double(crop.y) * scaleY).rounded()), side: side)
        return try RenderSteps.square(RenderSteps.toSRGB(cut), size: size)
    }

    /// The largest power of two, at most 8 (JPEG's largest shrink on load), by which a square
    /// of `side` can be shrunk and still be at least `size`.
    static func loadShrink(_ side: Int, to size: Int) -> Int {
        var shrink = 1
        while shrink < 8, side / (shrink * 2) >= size { shrink *= 2 }
        return shrink
    }
}
