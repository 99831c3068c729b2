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
        let scale = Double(width) / Double(max(1, small.width))
        if let detector {
            let minSide = max(smallestFace, min(small.width, small.height) / 12)
            let found = try RenderSteps.grey(small, by: deadline) {
                detector.faces(in: $0, width: small.width, height: small.height, minSide: minSide)
            }
            let faces = (found ?? []).map { $0.scaled(by: scale).clamped(width: width, height: height) }
            if let square = FaceFraming.square(around: faces.filter { $0.width > 0 && $0.height > 0 }, width: width, height: height) {
                return square
            }
        }
        let side = min(width, height)
        let spot = try RenderSteps.attention(small, side: min(small.width, small.height))
        return AvatarCrop(
            x: min(max(0, Int((Double(spot.left) * scale).rounded())), width - side),
            y: min(max(0, Int((Double(spot.top) * scale).rounded())), height - side),
            size: side, source: .attention)
    }

    /// The square `crop` at exactly `size` pixels, sRGB: shrunk on load as far as the square
    /// allows (never enlarged there), cut out, then resampled to `size`.
    static func square(_ original: ImageBytes, crop: AvatarCrop, width: Int, height: Int, size: Int)
        throws(RenderFailure) -> VipsImageHandle
    {
        guard crop.fits(width: width, height: height) else {
            throw RenderFailure(step: "cut", message: "the square \(crop) lies outside \(width)x\(height)")
        }
        let shrink = min(1, Double(size) / Double(crop.size))
        let fitted = try RenderSteps.fit(
            original, width: max(1, Int((Double(width) * shrink).rounded())),
            height: max(1, Int((Double(height) * shrink).rounded())))
        // The decoded copy's own scale: shrink-on-load rounds its sides.
        let scale = Double(fitted.width) / Double(width)
        let side = max(1, min(Int((Double(crop.size) * scale).rounded()), fitted.width, fitted.height))
        let cut = try RenderSteps.cut(
            fitted, left: Int((Double(crop.x) * scale).rounded()), top: Int((Double(crop.y) * scale).rounded()), side: side)
        return try RenderSteps.square(RenderSteps.toSRGB(cut), size: size)
    }
}
