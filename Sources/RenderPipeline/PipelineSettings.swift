import Foundation

/// Operator settings that shape renders and upload checks (`images.*`).
public struct PipelineSettings: Sendable, Equatable {
    /// Quality for the lossy encoders (JPEG, WebP, AVIF), 1 to 100.
    public var quality: Int = 80
    /// AVIF encoder effort, 0 (fastest) to 9.
    public var avifEffort: Int = 2
    /// Largest width x height accepted at upload.
    public var maxPixels: Int = 50_000_000
    /// Threads libvips work runs on.
    public var renderConcurrency: Int = ProcessInfo.processInfo.activeProcessorCount

    public init() {}
}
