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
    /// Largest frames x width x height accepted at upload, and of animated output: the
    /// largest animation must encode as GIF well within `renderTimeoutSeconds`.
    public var maxAnimationPixels: Int = 8_000_000
    /// Largest side of animated output (`images.maxAnimatedSize`); larger sizes are clamped.
    public var maxAnimatedSize: Int = 512

    /// The largest side an animation of `frames` frames is rendered at: at most
    /// `maxAnimatedSize`, and small enough that all its frames together hold no more than
    /// `maxAnimationPixels`, so an upscaled animation costs no more than the largest upload.
    public func animatedSide(frames: Int) -> Int {
        let perFrame = maxAnimationPixels / max(1, frames)
        var side = Int(Double(perFrame).squareRoot())
        while side > 1, side * side > perFrame { side -= 1 }
        return max(1, min(maxAnimatedSize, side))
    }

    /// The side of the frames of an animation's master: `crop`'s square, shrunk to the
    /// largest side it is ever rendered at, so the master holds every pixel any render uses.
    public func animatedMasterSide(of crop: AvatarCrop, frames: Int) -> Int {
        max(1, min(crop.size, animatedSide(frames: frames)))
    }
    /// Renders (and upload checks) that may wait for a render thread, in each of the two
    /// sets (small renders, the rest); past it a render is refused with `503` at once.
    public var maxPendingRenders: Int = 8 * ProcessInfo.processInfo.activeProcessorCount
    /// The render threads' nice value (0 to 19): above 0, renders yield the CPU to the event
    /// loops, so hits stay fast while misses queue.
    public var renderNiceness: Int32 = 10
    /// Deadline of one decode of an upload, and of one render.
    public var renderTimeoutSeconds: Double = 10
    /// Threads libvips work runs on, apart from small renders.
    public var renderConcurrency: Int = ProcessInfo.processInfo.activeProcessorCount
    /// Threads for small renders: from a master or a generated default, at most
    /// `RenderParameters.masterSize` a side and not AVIF, so each holds little memory.
    /// Threads of their own keep them from waiting behind decodes of large originals and
    /// animations. One per core takes them while they keep up; the rest only while those are
    /// all busy: libvips hands each render's work between its own threads, and the cores idle
    /// at those hand-offs unless more renders run than there are cores.
    public var smallRenderConcurrency: Int = min(4 * ProcessInfo.processInfo.activeProcessorCount, 256)
    /// The small-render threads preferred while one of them is free: one per core.
    public var preferredSmallRenderThreads: Int {
        min(smallRenderConcurrency, ProcessInfo.processInfo.activeProcessorCount)
    }

    /// The crop of an upload that names none: `.auto` or `.centre`.
    public var defaultCrop: CropChoice = .auto
    /// The OpenCV cascade `auto` crops look for faces with; `nil` turns faces off (attention only).
    public var faceCascade: String? = FaceDetector.debianCascade

    public init() {}
}
