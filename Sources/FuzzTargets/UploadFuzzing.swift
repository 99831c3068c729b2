import AvatarCore
import Logging
import RenderPipeline

/// Upload bytes through the sniffer and the whole inspection: refused with a 4xx error or
/// accepted with dimensions within the limits, never anything else.
enum UploadFuzzing {
    static let settings: PipelineSettings = {
        var settings = PipelineSettings()
        settings.maxPixels = 4_000_000  // keep a fuzz run's decodes small
        settings.renderTimeoutSeconds = 2
        settings.renderNiceness = 0
        return settings
    }()

    /// One pipeline for the process: libvips starts once.
    static let pipeline: ImagePipeline? = {
        var logger = Logger(label: "fuzz")
        logger.logLevel = .critical  // every refusal is logged at info
        return try? ImagePipeline(settings: settings, logger: logger)
    }()

    static func run(_ bytes: [UInt8]) async {
        let sniffed = FormatSniffer.format(of: bytes)
        guard let pipeline else { preconditionFailure("libvips did not start") }
        do {
            let inspected = try await pipeline.inspect(upload: bytes)
            precondition(sniffed == inspected.format, "accepted as \(inspected.format), sniffed as \(String(describing: sniffed))")
            precondition(inspected.width > 0 && inspected.height > 0, "accepted with an empty size")
            precondition(inspected.width * inspected.height <= settings.maxPixels, "accepted past maxPixels")
        } catch {
            switch error {
            case .unsupportedMediaType, .unprocessableImage, .emptyBody, .overloaded: return
            default: preconditionFailure("upload refused with \(error)")
            }
        }
    }
}
