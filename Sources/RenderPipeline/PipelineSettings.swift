import AvatarCore
import Foundation

/// Operator settings that shape renders and upload checks (`images.*`).
public struct PipelineSettings: Sendable, Equatable {
    /// Quality for the lossy encoders (JPEG, WebP, AVIF), 1 to 100.
    public var quality: Int = 80
    /// AVIF encoder effort, 0 (fastest) to 9.
    public var avifEffort: Int = 2
    /// Largest width x height (of one frame) accepted at upload.
    public var maxPixels: Int = 50_000_000
    /// Most frames an animated upload may have.
    public var maxFrames: Int = 200
    /// Largest frames x width x height accepted at upload.
    public var maxAnimationPixels: Int = 25_000_000
    /// Largest side of animated output (`images.maxAnimatedSize`); larger sizes are clamped.
    public var maxAnimatedSize: Int = 512
    /// Renders (and upload checks) that may wait for a render thread; past it a render is
    /// refused with `503` at once.
    public var maxPendingRenders: Int = 8 * ProcessInfo.processInfo.activeProcessorCount
    /// The render threads' nice value (0 to 19): above 0, renders yield the CPU to the event
    /// loops, so hits stay fast while misses queue.
    public var renderNiceness: Int32 = 10
    /// Deadline of one decode of an upload, and of one render.
    public var renderTimeoutSeconds: Double = 10
    /// Threads libvips work runs on.
    public var renderConcurrency: Int = ProcessInfo.processInfo.activeProcessorCount

    /// The crop of an upload that names none: `.auto` or `.centre`.
    public var defaultCrop: CropChoice = .auto
    /// The OpenCV cascade `auto` crops look for faces with; `nil` turns faces off (attention only).
    public var faceCascade: String? = FaceDetector.debianCascade

    public init() {}
}
