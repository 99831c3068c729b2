import AvatarCore

/// The one place images are checked and rendered. Every libvips call runs on the
/// pipeline's own thread pool, never on an event loop or Swift's shared executor.
public final class ImagePipeline: Sendable {
    public let settings: PipelineSettings
    private let pool: BlockingWorkPool

    public init(settings: PipelineSettings) throws {
        try Vips.start()
        self.settings = settings
        self.pool = BlockingWorkPool(threads: settings.renderConcurrency)
    }

    /// The parameters for a square of `size` in `format` under this pipeline's settings.
    public func parameters(size: Int, format: ImageFormat) -> RenderParameters {
        RenderParameters(size: size, format: format, quality: settings.quality, avifEffort: settings.avifEffort)
    }

    /// Checks an upload: `.unsupportedMediaType` unless it is JPEG, PNG, WebP, GIF or
    /// AVIF/HEIF by its bytes; `.unprocessableImage` when over the pixel limit or broken.
    public func inspect(upload: [UInt8]) async throws(AvatarError) -> InspectedOriginal {
        let maxPixels = settings.maxPixels
        let result: Result<InspectedOriginal, AvatarError>
        do {
            result = try await pool.run { Result { () throws(AvatarError) in
                try UploadInspection.inspect(upload, maxPixels: maxPixels)
            } }
        } catch {
            throw .internalFailure(reason: "the render pool has stopped")
        }
        return try result.get()
    }

    /// Renders `original` as an exact square: a pure function of the bytes, the
    /// parameters and `RenderParameters.pipelineVersion`. For sizes the master covers,
    /// use `render(master:parameters:)` instead, so every node makes the same bytes.
    public func render(original: [UInt8], parameters: RenderParameters) async throws -> RenderedImage {
        try await pool.run {
            let thumbnail = try RenderSteps.thumbnail(original, size: parameters.size)
            let srgb = try RenderSteps.toSRGB(thumbnail)
            let fitted = try RenderSteps.fitAlpha(srgb, to: parameters.format)
            let bytes = try RenderSteps.encode(fitted, parameters)
            return RenderedImage(bytes: bytes, format: parameters.format)
        }
    }

    /// The master of `original`: the one decode every render up to
    /// `RenderParameters.masterSize` starts from.
    public func master(of original: [UInt8]) async throws -> MasterImage {
        try await pool.run {
            let shrunk = try RenderSteps.master(original, size: RenderParameters.masterSize)
            let srgb = try RenderSteps.toSRGB(shrunk)
            return try RenderSteps.pixels(srgb)
        }
    }

    /// Renders an exact square from a master (already upright and sRGB).
    public func render(master: MasterImage, parameters: RenderParameters) async throws -> RenderedImage {
        try await pool.run {
            let loaded = try RenderSteps.load(master)
            let square = try RenderSteps.square(loaded, size: parameters.size)
            let fitted = try RenderSteps.fitAlpha(square, to: parameters.format)
            let bytes = try RenderSteps.encode(fitted, parameters)
            return RenderedImage(bytes: bytes, format: parameters.format)
        }
    }

    public func shutdown() async throws {
        try await pool.shutdown()
    }
}
