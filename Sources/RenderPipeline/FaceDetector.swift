import CFaces

/// OpenCV's cascade face detector (`images.faceCascade`), loaded once with a copy per
/// render thread. The shim gives each detection a copy of its own, on the calling thread
/// alone, which is why it may be shared.
public final class FaceDetector: @unchecked Sendable {
    /// Debian's frontal-face Haar cascade, from `opencv-data`.
    public static let debianCascade = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml"
    /// Most faces one detection reports.
    static let maxFaces = 64

    private let detector: OpaquePointer

    /// `nil` when the cascade file cannot be loaded.
    public init?(cascade path: String, threads: Int) {
        guard let detector = avatars_faces_load(path, Int32(clamping: max(1, threads))) else { return nil }
        self.detector = detector
    }

    deinit {
        avatars_faces_free(detector)
    }

    /// Faces at least `minSide` pixels wide in `grey` (one byte per pixel, rows of `width`),
    /// read in place; `nil` when OpenCV failed.
    func faces(in grey: UnsafeRawBufferPointer, width: Int, height: Int, minSide: Int) -> [PixelBox]? {
        guard let base = grey.baseAddress, width > 0, height > 0, grey.count >= width * height,
            let cWidth = Int32(exactly: width), let cHeight = Int32(exactly: height)
        else { return nil }
        var boxes = [Int32](repeating: 0, count: 4 * Self.maxFaces)
        let found = avatars_faces_detect(
            detector, base.assumingMemoryBound(to: UInt8.self), cWidth, cHeight, cWidth, Int32(clamping: minSide), &boxes,
            Int32(Self.maxFaces))
        guard found >= 0 else { return nil }
        return (0..<min(Int(found), Self.maxFaces)).map { face in
            PixelBox(
                x: Int(boxes[4 * face]), y: Int(boxes[4 * face + 1]), width: Int(boxes[4 * face + 2]),
                height: Int(boxes[4 * face + 3]))
        }
    }
}
