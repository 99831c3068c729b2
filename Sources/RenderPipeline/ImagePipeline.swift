import AvatarCore
import Logging

/// The one place images are checked and rendered. Every libvips call runs on the
/// pipeline's own thread pools, never on an event loop or Swift's shared executor.
public final class ImagePipeline: Sendable {
    public let settings: PipelineSettings
    private let pool: BlockingWorkPool
    /// The threads of small renders (`PipelineSettings.smallRenderConcurrency`).
    private let smallPool: BlockingWorkPool
    /// `nil` when no cascade is configured or it could not be loaded: `auto` then uses attention.
    private let faces: FaceDetector?
    private let logger: Logger

    public init(settings: PipelineSettings, logger: Logger) throws {
        try Vips.start()
        self.settings = settings
        self.logger = logger
        faces = settings.faceCascade.flatMap { FaceDetector(cascade: $0, threads: settings.renderConcurrency) }
        if let cascade = settings.faceCascade, faces == nil {
            logger.warning(
                "the face cascade could not be loaded; auto crops use attention only", metadata: ["images.faceCascade": "\(cascade)"])
        }
        self.pool = BlockingWorkPool(
            threads: settings.renderConcurrency, maxWaiting: settings.maxPendingRenders, niceness: settings.renderNiceness,
            name: "render")
        self.smallPool = BlockingWorkPool(
            threads: settings.smallRenderConcurrency, preferring: settings.preferredSmallRenderThreads,
            maxWaiting: settings.maxPendingRenders, niceness: settings.renderNiceness, name: "render-small")
    }

    /// The parameters for an avatar of `size` in `format`, `shape` and `background` under
    /// this pipeline's settings; every frame, from a master of `animatedMasterSide`, when set.
    public func parameters(
        size: Int, format: ImageFormat, shape: AvatarShape = .square, background: RGBColour = .white,
        animatedMasterSide: Int? = nil
    ) -> RenderParameters {
        RenderParameters(
            size: size, format: format, quality: settings.quality, avifEffort: settings.avifEffort, shape: shape,
            background: background, animatedMasterSide: animatedMasterSide)
    }

    /// Checks an upload: `.emptyBody` for no bytes, `.unsupportedMediaType` unless it is
    /// JPEG, PNG, WebP, GIF or AVIF/HEIF by its bytes, `.unprocessableImage` when over a
    /// limit or broken. libvips' words go to the log, never to the client.
    public func inspect(upload: [UInt8]) async throws(AvatarError) -> InspectedOriginal {
        let settings = settings
        let result: Result<InspectedOriginal, UploadInspection.Refused>
        do {
            result = try await onRenderThreads(pool) { Result { () throws(UploadInspection.Refused) in
                try UploadInspection.inspect(upload, settings: settings)
            } }
        } catch let error as AvatarError {
            throw error
        } catch is CancellationError {
            // The client left before a thread took the check; nobody reads this answer.
            throw .overloaded
        } catch {
            throw .internalFailure(reason: "the render pool has stopped")
        }
        switch result {
        case .success(let inspected):
            return inspected
        case .failure(let refused):
            if let detail = refused.detail {
                logger.info("upload refused", metadata: ["error": "\(refused.error)", "libvips": "\(detail)"])
            }
            throw refused.error
        }
    }

    /// The square `choice` picks in `original` (checked at upload), upright `width` x
    /// `height`: a box's centred square (`.invalidParameter` when the box reaches outside the
    /// image), the centre square, or for `.auto` faces then attention, found on the render
    /// threads.
    public func square(for choice: CropChoice, of original: [UInt8], width: Int, height: Int) async throws(AvatarError)
        -> AvatarCrop
    {
        switch choice {
        case .centre:
            return .centre(width: width, height: height)
        case .box(let box):
            guard let square = box.square(inWidth: width, height: height) else {
                throw .invalidParameter(name: "crop", reason: "the box reaches outside the \(width)x\(height) image")
            }
            return square
        case .auto:
            let faces = faces
            do {
                return try await run { deadline in
                    try CropSteps.autoSquare(try Self.client(original), width: width, height: height, detector: faces, by: deadline)
                }
            } catch let error as AvatarError {
                throw error
            } catch is CancellationError {
                throw .overloaded
            } catch {
                logger.warning("could not find an auto crop; using the centre", metadata: ["error": "\(error)"])
                return .centre(width: width, height: height)
            }
        }
    }

    /// Renders `original` as an exact square: a pure function of the bytes, the
    /// parameters and `RenderParameters.pipelineVersion`. For sizes the master covers,
    /// use `render(master:parameters:)` instead, so every node makes the same bytes.
    public func render(original: [UInt8], parameters: RenderParameters) async throws -> RenderedImage {
        try await render(parameters: parameters) { try Self.client(original) }
    }

    /// Renders a default image this process drew as SVG: the only way SVG reaches libvips.
    public func render(generatedSVG svg: String, parameters: RenderParameters) async throws -> RenderedImage {
        try await render(parameters: parameters, small: Self.isSmall(parameters)) {
            guard let image = ImageBytes.generatedSVG(svg) else {
                throw RenderFailure(step: "load generated SVG", message: "libvips would not load it as SVG")
            }
            return image
        }
    }

    /// Renders `crop` of `original` (upright `width` x `height`) as an exact square. The
    /// centre square renders as it did before crops existed, byte for byte.
    public func render(original: [UInt8], crop: AvatarCrop, width: Int, height: Int, parameters: RenderParameters)
        async throws -> RenderedImage
    {
        guard crop.source != .centre else { return try await render(original: original, parameters: parameters) }
        return try await run { deadline in
            let square = try CropSteps.square(
                try Self.client(original), crop: crop, width: width, height: height, size: parameters.size)
            return try Self.encoded(square, parameters, by: deadline)
        }
    }

    /// The master of an animated `original` (checked at upload): every frame cut to `crop`'s
    /// square and resampled to `side`, with its delay and the loop count.
    public func animatedMaster(of original: [UInt8], crop: AvatarCrop, side: Int) async throws -> AnimatedMaster {
        try await run { deadline in
            let frames = try RenderSteps.animatedSquare(
                try Self.client(original), crop: crop, size: side, circle: false, gif: false)
            return try RenderSteps.animatedMaster(frames, side: side, by: deadline)
        }
    }

    /// Renders every frame of an animated master for GIF or WebP output (`parameters.animated`).
    public func render(animatedMaster master: AnimatedMaster, parameters: RenderParameters) async throws -> RenderedImage {
        try await run { deadline in
            let frames = try RenderSteps.animatedSquare(
                master, size: parameters.size, circle: parameters.shape == .circle, gif: parameters.format == .gif)
            return try Self.encoded(frames, parameters, by: deadline)
        }
    }

    /// `load` runs on the render threads too: it copies the bytes and asks libvips about them.
    private func render(
        parameters: RenderParameters, small: Bool = false, _ load: @escaping @Sendable () throws -> ImageBytes
    ) async throws -> RenderedImage {
        try await run(small: small) { deadline in
            let image = try load()
            let thumbnail = try RenderSteps.thumbnail(image, size: parameters.size)
            return try Self.encoded(try RenderSteps.toSRGB(thumbnail), parameters, by: deadline)
        }
    }

    /// The master of `original`: the one decode every render up to
    /// `RenderParameters.masterSize` starts from.
    public func master(of original: [UInt8]) async throws -> MasterImage {
        try await run { deadline in
            let shrunk = try RenderSteps.master(try Self.client(original), size: RenderParameters.masterSize)
            let srgb = try RenderSteps.toSRGB(shrunk)
            return try RenderSteps.pixels(srgb, by: deadline)
        }
    }

    /// The master of `crop` of `original` (upright `width` x `height`): that square at most
    /// `RenderParameters.masterSize` pixels. The centre square's master is the one made
    /// before crops existed.
    public func master(of original: [UInt8], crop: AvatarCrop, width: Int, height: Int) async throws -> MasterImage {
        guard crop.source != .centre else { return try await master(of: original) }
        return try await run { deadline in
            let square = try CropSteps.square(
                try Self.client(original), crop: crop, width: width, height: height,
                size: min(crop.size, RenderParameters.masterSize))
            return try RenderSteps.pixels(square, by: deadline)
        }
    }

    /// Renders an exact square from a master (already upright and sRGB).
    public func render(master: MasterImage, parameters: RenderParameters) async throws -> RenderedImage {
        try await run(small: Self.isSmall(parameters)) { deadline in
            try Self.encoded(try Self.square(of: try RenderSteps.load(master), size: parameters.size), parameters, by: deadline)
        }
    }

    /// Renders an exact square from the master `lender` lends where it is stored, read on
    /// the render thread without a copy for as long as the square takes to make; `nil` when
    /// the lender has none, or for a size above `RenderParameters.masterSize` (a chosen
    /// square's master upscaled), which `render(master:)` makes from a copy.
    public func render(masterFrom lender: some MasterLender, parameters: RenderParameters) async throws -> RenderedImage? {
        guard parameters.size <= RenderParameters.masterSize else { return nil }
        return try await run(small: Self.isSmall(parameters)) { deadline in
            // A square of at most the master's size is made here and reads the master no
            // more, so the lender's hold on it (a read transaction of the cache) ends before
            // the encoding.
            let square = try lender.lend { stored in
                MasterImage.withPixels(of: stored) { pixels in
                    Result { () throws(RenderFailure) in
                        try Self.square(of: try RenderSteps.load(pixels, keeping: nil), size: parameters.size)
                    }
                }
            }?.get()
            return try square.map { square throws(RenderFailure) in try Self.encoded(square, parameters, by: deadline) }
        }
    }

    /// The exact square of `size` from a master loaded as `master`: up to the master's size
    /// made here, in memory, on the render thread; above it (a chosen square's master
    /// upscaled) left to libvips' threads as the encoder reads it.
    private static func square(of master: VipsImageHandle, size: Int) throws(RenderFailure) -> VipsImageHandle {
        let square = try RenderSteps.square(master, size: size)
        return size <= RenderParameters.masterSize ? try RenderSteps.madeHere(square) : square
    }

    /// The summary of an avatar from its `master`: the square at `ImageSummary.side` as every
    /// render of that size is made, then measured.
    public func summary(master: MasterImage) async throws -> ImageSummary {
        try await run(small: true) { deadline in
            let square = try RenderSteps.square(try RenderSteps.load(master), size: ImageSummary.side)
            let pixels = try RenderSteps.pixels(square, by: deadline)
            guard let summary = ImageSummary(side: ImageSummary.side, rgba: pixels.rgba) else {
                throw RenderFailure(step: "summary", message: "the square is not \(ImageSummary.side) px of RGBA")
            }
            return summary
        }
    }

    /// The last steps of every render: the shape cut, alpha fitted to the format, then encoded.
    private static func encoded(_ square: VipsImageHandle, _ parameters: RenderParameters, by deadline: RenderDeadline)
        throws(RenderFailure) -> RenderedImage
    {
        // An animation's frames were each cut to their disc: one disc over the stack would not be.
        let shaped = parameters.shape == .circle && !parameters.animated ? try RenderSteps.circle(square) : square
        let fitted = try RenderSteps.fitAlpha(shaped, to: parameters.format, onto: parameters.background ?? .white)
        return RenderedImage(bytes: try RenderSteps.encode(fitted, parameters, by: deadline), format: parameters.format)
    }

    /// Whether a render from a master or a generated default with `parameters` is small
    /// enough for the small-render threads: at most `RenderParameters.masterSize` a side,
    /// one frame, and not AVIF, whose encoder holds tens of MiB while it works.
    private static func isSmall(_ parameters: RenderParameters) -> Bool {
        parameters.size <= RenderParameters.masterSize && !parameters.animated && parameters.format != .avif
    }

    /// Runs render work on the render threads (those of small renders when `small`: see
    /// `isSmall`; a summary is small too) within `images.renderTimeoutSeconds` of now:
    /// `.overloaded` at once when `images.maxPendingRenders` renders already wait for those
    /// threads, `.renderTimeout` when the deadline passes (work that waited past it never
    /// starts), and `CancellationError` without rendering when the caller left before it started.
    private func run<T: Sendable>(small: Bool = false, _ body: @escaping @Sendable (RenderDeadline) throws -> T)
        async throws -> T
    {
        let deadline = RenderDeadline(seconds: settings.renderTimeoutSeconds)
        do {
            return try await onRenderThreads(small ? smallPool : pool) {
                guard !deadline.hasPassed else {
                    throw RenderFailure(step: "wait for a render thread", message: "deadline passed", timedOut: true)
                }
                return try body(deadline)
            }
        } catch let failure as RenderFailure where failure.timedOut {
            throw AvatarError.renderTimeout
        }
    }

    /// Runs `body` on `threads`: `.overloaded` at once when `images.maxPendingRenders`
    /// pieces of work already wait for them.
    private func onRenderThreads<T: Sendable>(
        _ threads: BlockingWorkPool, _ body: @escaping @Sendable () throws -> T
    ) async throws -> T {
        do {
            return try await threads.run(body)
        } catch is BlockingWorkPool.Full {
            throw AvatarError.overloaded
        }
    }

    /// A stored original, checked again as client bytes: it was checked at upload, but the
    /// store is outside this process.
    private static func client(_ original: [UInt8]) throws(RenderFailure) -> ImageBytes {
        do {
            return try ImageBytes.client(original).0
        } catch {
            throw RenderFailure(step: "load original", message: "\(error)")
        }
    }

    /// Stops both sets of render threads together: a render from a master made on one may
    /// still be on its way to the other.
    public func shutdown() async throws {
        async let smallStopped: Void = smallPool.shutdown()
        try await pool.shutdown()
        try await smallStopped
    }
}
