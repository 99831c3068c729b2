import AvatarCore
import AvatarTestSupport
import Logging
@testable import RenderPipeline
import Testing

/// Shared by every test here, which run in parallel: that is not a flood, so no bound.
let pipeline = try! ImagePipeline(settings: unbounded, logger: Logger(label: "pipeline-test"))
let unbounded = {
    var settings = PipelineSettings()
    settings.maxPendingRenders = 100_000
    // Suites run side by side in this process: CPU priority between them is not under test.
    settings.renderNiceness = 0
    return settings
}()

@Suite struct FormatSnifferTests {
    @Test(arguments: [
        ("photo.jpg", ImageFormat.jpeg), ("cmyk.jpg", .jpeg), ("alpha.png", .png), ("deep-16bit.png", .png),
        ("animated.gif", .gif), ("photo.webp", .webp), ("photo.avif", .avif),
    ])
    func recognisesAllowedFormats(name: String, format: ImageFormat) throws {
        #expect(FormatSniffer.format(of: try Fixtures.bytes(name)) == format)
    }

    @Test func refusesEverythingElse() throws {
        #expect(FormatSniffer.format(of: try Fixtures.bytes("image.svg")) == nil)
        #expect(FormatSniffer.format(of: try Fixtures.bytes("not-an-image.txt")) == nil)
        #expect(FormatSniffer.format(of: Array("%PDF-1.7\n".utf8)) == nil)
        #expect(FormatSniffer.format(of: [0x49, 0x49, 0x2A, 0x00, 8, 0, 0, 0]) == nil)  // TIFF
        #expect(FormatSniffer.format(of: []) == nil)
    }

    @Test func heicIsHEIF() {
        let ftyp: [UInt8] = [0, 0, 0, 24] + Array("ftypheic".utf8) + [0, 0, 0, 0] + Array("mif1heic".utf8)
        #expect(FormatSniffer.format(of: ftyp) == .heif)
    }

    @Test func anFtypBoxMustBePlausibleAndNameAnImageBrand() {
        func box(size: Int, brands: String, file: Int? = nil) -> [UInt8] {
            let body = Array("ftyp".utf8) + Array(brands.prefix(4).utf8) + [0, 0, 0, 0] + Array(brands.dropFirst(4).utf8)
            let bytes = withUnsafeBytes(of: UInt32(size).bigEndian, Array.init) + body
            return bytes + [UInt8](repeating: 0x20, count: max(0, (file ?? bytes.count) - bytes.count))
        }
        #expect(FormatSniffer.format(of: box(size: 20, brands: "avifmif1")) == .avif)
        #expect(FormatSniffer.format(of: box(size: 20, brands: "mp42isom")) == nil)  // a video's brands
        #expect(FormatSniffer.format(of: box(size: 4096, brands: "avifmif1", file: 8192)) == nil)  // too large a box
        #expect(FormatSniffer.format(of: box(size: 48, brands: "avifmif1")) == nil)  // past the end of the file
        #expect(FormatSniffer.format(of: box(size: 22, brands: "avifmif1")) == nil)  // not whole brands
        // What an SVG comment spelling an ftyp box looks like: its "size" is the text "<!--".
        let svg = Array("<!--ftypavif-->\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>".utf8)
        #expect(FormatSniffer.format(of: svg) == nil)
    }

    @Test func jpegScansAreCountedThroughEntropyData() throws {
        #expect(JPEGScans.count(in: try Fixtures.bytes("photo.jpg")) == 1)
        // A made-up stream: SOI, then scans whose entropy data holds stuffed and restart bytes.
        let scan: [UInt8] = [0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0] + [0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56]
        let stream = [0xFF, 0xD8] + Array(repeating: scan, count: 150).joined() + [0xFF, 0xD9]
        #expect(JPEGScans.count(in: Array(stream)) == JPEGScans.limit + 1)
        #expect(JPEGScans.count(in: [0xFF, 0xD8] + Array(repeating: scan, count: 3).joined()) == 3)
        #expect(JPEGScans.count(in: [0xFF, 0xD8, 0xFF, 0xDA]) == 0)  // truncated inside a marker
    }

    @Test(arguments: [("photo.png", ImageFormat.png), ("alpha.png", .png), ("deep-16bit.png", .png), ("animated.gif", .gif)])
    func everyCutOfAPNGOrGIFMissesItsEnd(name: String, format: ImageFormat) throws {
        let bytes = try Fixtures.bytes(name)
        #expect(ContainerEnd.isReached(in: bytes, format: format))
        #expect(ContainerEnd.isReached(in: bytes + [0, 1, 2], format: format))  // trailing bytes are harmless
        for length in 0..<bytes.count {
            #expect(!ContainerEnd.isReached(in: Array(bytes[..<length]), format: format), "\(name) cut at \(length)")
        }
    }

    @Test func aGIFBlockThatIsNeitherImageNorExtensionIsNotAnEnd() throws {
        var bytes = try Fixtures.bytes("animated.gif")
        bytes.insert(0x99, at: bytes.count - 1)
        #expect(!ContainerEnd.isReached(in: bytes, format: .gif))
    }
}

@Suite struct UploadInspectionTests {
    @Test func acceptsAndMeasures() async throws {
        let photo = try await pipeline.inspect(upload: try Fixtures.bytes("photo.jpg"))
        #expect(photo == InspectedOriginal(format: .jpeg, width: 300, height: 200))
    }

    @Test func reportsDisplayedDimensionsOfRotatedImages() async throws {
        let rotated = try await pipeline.inspect(upload: try Fixtures.bytes("orientation-6.jpg"))
        #expect(rotated.width == 40 && rotated.height == 60)
    }

    @Test(arguments: ["image.svg", "not-an-image.txt"])
    func unsupportedFormats(name: String) async throws {
        await #expect(throws: AvatarError.unsupportedMediaType) {
            try await pipeline.inspect(upload: try Fixtures.bytes(name))
        }
    }

    @Test(arguments: ["truncated.jpg", "pixel-bomb.png"])
    func unprocessableImages(name: String) async throws {
        let error = await #expect(throws: AvatarError.self) { try await pipeline.inspect(upload: try Fixtures.bytes(name)) }
        guard case .unprocessableImage = error else { Issue.record("expected unprocessableImage, got \(String(describing: error))"); return }
    }

    func strict(_ change: (inout PipelineSettings) -> Void) throws -> ImagePipeline {
        var settings = PipelineSettings()
        settings.renderNiceness = 0
        change(&settings)
        return try ImagePipeline(settings: settings, logger: Logger(label: "pipeline-test"))
    }

    @Test func framesAndAnimationPixelsAreCountedFromTheHeader() async throws {
        let gif = try Fixtures.bytes("animated.gif")
        let frames = try strict { $0.maxFrames = 2 }
        await #expect(throws: AvatarError.unprocessableImage(.tooManyFrames(limit: 2))) { try await frames.inspect(upload: gif) }
        let pixels = try strict { $0.maxAnimationPixels = 32 * 32 * 3 - 1 }
        await #expect(throws: AvatarError.unprocessableImage(.tooManyAnimationPixels(limit: 32 * 32 * 3 - 1))) {
            try await pixels.inspect(upload: gif)
        }
        #expect(try await pipeline.inspect(upload: gif).format == .gif)
        try await frames.shutdown()
        try await pixels.shutdown()
    }

    @Test func aDecodePastItsDeadlineIsRefused() async throws {
        // Large enough that libvips reports progress while decoding it.
        let large = try await pipeline.render(
            original: try Fixtures.bytes("photo.png"), parameters: pipeline.parameters(size: 2048, format: .png)
        ).bytes
        let hurried = try strict { $0.renderTimeoutSeconds = 0.000_001 }
        await #expect(throws: AvatarError.unprocessableImage(.decodeTooSlow(seconds: 0.000_001))) {
            try await hurried.inspect(upload: large)
        }
        #expect(try await pipeline.inspect(upload: large).width == 2048)
        try await hurried.shutdown()
    }

    @Test func aJPEGWithTooManyScansIsRefusedBeforeDecoding() async throws {
        let photo = try Fixtures.bytes("photo.jpg")
        // Empty scans spliced in before the real one: a scan bomb's shape.
        let emptyScan: [UInt8] = [0xFF, 0xDA, 0, 8, 1, 1, 0, 0, 0x3F, 0]
        let sos = try #require(photo.indices.first { photo[$0] == 0xFF && photo[$0 + 1] == 0xDA })
        let bomb = Array(photo[..<sos]) + Array(repeating: emptyScan, count: 101).joined() + Array(photo[sos...])
        await #expect(throws: AvatarError.unprocessableImage(.tooManyScans(limit: 100))) { try await pipeline.inspect(upload: bomb) }
    }

    @Test func rendersBeyondThePendingBoundAreRefusedAtOnce() async throws {
        let bounded = try strict {
            $0.renderConcurrency = 1
            $0.maxPendingRenders = 2
        }
        let photo = try Fixtures.bytes("photo.png")
        let outcomes = await withTaskGroup(of: String.self) { group in
            for size in 1000..<1012 {
                group.addTask {
                    do {
                        _ = try await bounded.render(original: photo, parameters: bounded.parameters(size: size, format: .png))
                        return "rendered"
                    } catch let error as AvatarError {
                        return "\(error)"
                    } catch {
                        return "other: \(error)"
                    }
                }
            }
            return await group.reduce(into: [String: Int]()) { $0[$1, default: 0] += 1 }
        }
        // At least the two admitted to wait are rendered; the rest are refused without waiting.
        #expect(Set(outcomes.keys) == ["rendered", "overloaded"], "\(outcomes)")
        #expect((outcomes["rendered"] ?? 0) >= 2)
        #expect((outcomes["overloaded"] ?? 0) >= 1)
        try await bounded.shutdown()
    }

    /// A pipeline with one general render thread and one waiting place, the master of
    /// `photo.png`, and `body` run while large renders from the original, asked for again as
    /// each ends, keep that thread busy and the place taken.
    func whileTheGeneralThreadIsBusy<T: Sendable>(
        smallThreads: Int, _ body: @Sendable @escaping (ImagePipeline, MasterImage) async throws -> T
    ) async throws -> T {
        let split = try strict {
            $0.renderConcurrency = 1
            $0.maxPendingRenders = 1
            $0.smallRenderConcurrency = smallThreads
        }
        let photo = try Fixtures.bytes("photo.png")
        let master = try await split.master(of: photo)
        let large = split.parameters(size: 1500, format: .png)
        let result = try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    while !Task.isCancelled {
                        do {
                            _ = try await split.render(original: photo, parameters: large)
                        } catch {
                            // Refused at once, without suspending: give the threads a turn.
                            try? await Task.sleep(for: .milliseconds(1))
                        }
                    }
                }
            }
            defer { group.cancelAll() }
            return try await body(split, master)
        }
        try await split.shutdown()
        return result
    }

    @Test func smallRendersHaveThreadsOfTheirOwn() async throws {
        let photo = try Fixtures.bytes("photo.png")
        let small = try await whileTheGeneralThreadIsBusy(smallThreads: 1) { split, master in
            let large = split.parameters(size: 1500, format: .png)
            var full = false
            for _ in 0..<1000 where !full {
                do {
                    _ = try await split.render(original: photo, parameters: large)
                } catch AvatarError.overloaded {
                    full = true
                }
            }
            #expect(full, "the general render thread was never full")
            // A render from the master is not refused meanwhile: it has a thread of its own.
            return try await split.render(master: master, parameters: split.parameters(size: 64, format: .png))
        }
        #expect(small.format == .png && !small.bytes.isEmpty)
    }

    @Test func avifRendersStayOnTheGeneralThreads() async throws {
        // An AVIF render from the master waits for the general thread (its encoder is too
        // large for the small-render ones), so sooner or later it finds the place taken.
        let refused = try await whileTheGeneralThreadIsBusy(smallThreads: 4) { split, master in
            for _ in 0..<200 {
                do {
                    _ = try await split.render(master: master, parameters: split.parameters(size: 64, format: .avif))
                } catch AvatarError.overloaded {
                    return true
                } catch {}
            }
            return false
        }
        #expect(refused, "no AVIF render from a master ever waited for the general threads")
    }

    @Test func aRenderPastItsDeadlineIsARenderTimeout() async throws {
        let hurried = try strict { $0.renderTimeoutSeconds = 0.000_001 }
        await #expect(throws: AvatarError.renderTimeout) {
            try await hurried.render(original: try Fixtures.bytes("photo.png"), parameters: hurried.parameters(size: 2048, format: .png))
        }
        try await hurried.shutdown()
    }

    @Test func pixelLimitIsConfigurable() async throws {
        var settings = PipelineSettings()
        settings.renderNiceness = 0
        settings.maxPixels = 300 * 200 - 1
        let strict = try ImagePipeline(settings: settings, logger: Logger(label: "pipeline-test"))
        await #expect(throws: AvatarError.self) { try await strict.inspect(upload: try Fixtures.bytes("photo.jpg")) }
        try await strict.shutdown()
    }
}

/// Renders the centre square as the service does: sizes the master covers from the master,
/// larger ones from the original.
func render(_ name: String, size: Int, _ format: ImageFormat) async throws -> [UInt8] {
    let original = try Fixtures.bytes(name)
    let parameters = pipeline.parameters(size: size, format: format)
    if parameters.rendersFromMaster(of: .centre(width: 1, height: 1)) {
        return try await pipeline.render(master: try await pipeline.master(of: original), parameters: parameters).bytes
    }
    return try await pipeline.render(original: original, parameters: parameters).bytes
}

@Suite struct RenderTests {
    @Test(arguments: [1, 80, 2048], [ImageFormat.jpeg, .png, .webp, .avif, .gif])
    func exactSquaresInEveryFormat(size: Int, format: ImageFormat) async throws {
        let bytes = try await render("photo.jpg", size: size, format)
        #expect(FormatSniffer.format(of: bytes) == format)
        let probe = try #require(ImageProbe(bytes))
        #expect(probe.width == size && probe.height == size)
        #expect(!probe.hasEXIF)
    }

    @Test func rendersAreDeterministic() async throws {
        for format in [ImageFormat.jpeg, .png, .webp, .avif, .gif] {
            let first = try await render("photo.jpg", size: 64, format)
            let second = try await render("photo.jpg", size: 64, format)
            #expect(first == second, "\(format)")
        }
    }

    @Test func exifRotationComesOutUprightAndStripped() async throws {
        let bytes = try await render("orientation-6.jpg", size: 80, .png)
        let probe = try #require(ImageProbe(bytes))
        #expect(!probe.hasEXIF)
        let top = try #require(ImageProbe.pixel(bytes, x: 40, y: 5))
        let bottom = try #require(ImageProbe.pixel(bytes, x: 40, y: 75))
        #expect(top[0] > 180 && top[2] < 80, "top should be red: \(top)")
        #expect(bottom[2] > 180 && bottom[0] < 80, "bottom should be blue: \(bottom)")
        let jpeg = try await render("orientation-6.jpg", size: 80, .jpeg)
        #expect(ImageProbe(jpeg)?.hasEXIF == false)
        #expect(!jpeg.containsSequence(Array("Exif".utf8)))
        #expect(!jpeg.containsSequence(Array("avatars-fixture-camera".utf8)))
    }

    @Test func cmykComesOutSRGB() async throws {
        let bytes = try await render("cmyk.jpg", size: 32, .jpeg)
        let probe = try #require(ImageProbe(bytes))
        #expect(probe.isSRGB && probe.bands == 3 && !probe.hasICC)
        let pixel = try #require(ImageProbe.pixel(bytes, x: 16, y: 16))
        #expect(pixel[0] < 100 && pixel[1] > 120 && pixel[2] > 180, "pure cyan ink is a light blue in sRGB: \(pixel)")
    }

    @Test func alphaIsFlattenedOnlyWhereTheFormatCannotKeepIt() async throws {
        let jpeg = try await render("alpha.png", size: 64, .jpeg)
        #expect(ImageProbe(jpeg)?.bands == 3)
        let corner = try #require(ImageProbe.pixel(jpeg, x: 5, y: 5))
        #expect(corner.allSatisfy { $0 > 240 }, "transparent becomes white: \(corner)")
        for format in [ImageFormat.png, .webp, .avif] {
            let kept = try await render("alpha.png", size: 64, format)
            #expect(ImageProbe(kept)?.bands == 4, "\(format)")
        }
    }

    @Test func animationsGiveTheirFirstFrame() async throws {
        let bytes = try await render("animated.gif", size: 40, .gif)
        let probe = try #require(ImageProbe(bytes))
        #expect(probe.pages == 1)
        let pixel = try #require(ImageProbe.pixel(bytes, x: 20, y: 20))
        #expect(pixel[0] > 200 && pixel[1] < 60 && pixel[2] < 60, "first frame is red: \(pixel)")
    }

    @Test func sixteenBitAndGreyBecomeEightBitSRGB() async throws {
        let bytes = try await render("deep-16bit.png", size: 50, .png)
        let probe = try #require(ImageProbe(bytes))
        #expect(probe.isSRGB && probe.bands == 3)
    }

    @Test func smallOriginalsAreUpscaled() async throws {
        let bytes = try await render("animated.gif", size: 512, .png)
        #expect(ImageProbe(bytes).map { [$0.width, $0.height] } == [512, 512])
    }
}

@Suite struct MasterTests {
    @Test(arguments: [
        ("photo.jpg", 300, 200, 3), ("orientation-6.jpg", 40, 60, 3), ("alpha.png", 64, 64, 4),
        ("cmyk.jpg", 48, 48, 3), ("deep-16bit.png", 50, 50, 3), ("animated.gif", 32, 32, 4),
    ])
    func smallOriginalsKeepTheirPixelsUprightInSRGB(name: String, width: Int, height: Int, bands: Int) async throws {
        let master = try await pipeline.master(of: try Fixtures.bytes(name))
        #expect([master.width, master.height, master.bands] == [width, height, bands])
    }

    @Test func largeOriginalsShrinkToTheMasterSizeAndRenderLikeTheOriginal() async throws {
        let large = try await pipeline.render(
            original: try Fixtures.bytes("photo.jpg"), parameters: pipeline.parameters(size: 2048, format: .png)
        ).bytes
        let master = try await pipeline.master(of: large)
        let side = RenderParameters.masterSize
        #expect([master.width, master.height, master.bands] == [side, side, 3])

        // The smallest sizes are a 1/512 reduction, more than one Lanczos pass may take.
        for size in [1, 2, 3, 7] {
            let tiny = try await pipeline.render(master: master, parameters: pipeline.parameters(size: size, format: .jpeg))
            #expect(ImageProbe(tiny.bytes).map { [$0.width, $0.height] } == [size, size])
        }
        let parameters = pipeline.parameters(size: 128, format: .png)
        let fromMaster = try await pipeline.render(master: master, parameters: parameters).bytes
        let fromOriginal = try await pipeline.render(original: large, parameters: parameters).bytes
        #expect(ImageProbe(fromMaster).map { [$0.width, $0.height] } == [128, 128])
        for (x, y) in [(10, 10), (64, 64), (100, 30), (30, 100), (120, 120)] {
            let a = try #require(ImageProbe.pixel(fromMaster, x: x, y: y))
            let b = try #require(ImageProbe.pixel(fromOriginal, x: x, y: y))
            #expect(zip(a, b).allSatisfy { abs($0 - $1) <= 12 }, "(\(x), \(y)): \(a) vs \(b)")
        }
    }

    @Test(arguments: ["photo.jpg", "alpha.png", "orientation-6.jpg"])
    func everySizeIsAnExactSquare(name: String) async throws {
        let master = try await pipeline.master(of: try Fixtures.bytes(name))
        for size in [1, 2, 3, 37, 59, 73, 99, 145, 199, 200, 201, 333, 511, 512] {
            let bytes = try await pipeline.render(master: master, parameters: pipeline.parameters(size: size, format: .png)).bytes
            #expect(ImageProbe(bytes).map { [$0.width, $0.height] } == [size, size], "\(name) at \(size)")
        }
    }

    @Test func storedMastersReadBackAndDamagedOnesAreRefused() async throws {
        let master = try await pipeline.master(of: try Fixtures.bytes("alpha.png"))
        func read(_ serialized: [UInt8]) -> MasterImage? { serialized.withUnsafeBytes(MasterImage.init(copying:)) }
        let readBack = try #require(read(master.serialized))
        #expect([readBack.width, readBack.height, readBack.bands] == [64, 64, 4])
        #expect(read(Array(master.serialized.dropLast())) == nil)
        #expect(read([UInt8](repeating: 0, count: 16)) == nil)
        #expect(read(Array("AVM1".utf8)) == nil)
        // Dimensions whose pixel count overflows are refused, not trapped on.
        let huge = Array("AVM1".utf8) + [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 4]
        #expect(read(huge + [0, 0, 0, 0]) == nil)
    }

    @Test func aReadBackMasterRendersAsTheOneItWasMadeAs() async throws {
        let parameters = pipeline.parameters(size: 40, format: .png)
        let master = try await pipeline.master(of: try Fixtures.bytes("alpha.png"))
        let expected = try await pipeline.render(master: master, parameters: parameters).bytes
        // The copy is read in place by libvips; its source buffer is gone before the render.
        let readBack = try #require(master.serialized.withUnsafeBytes(MasterImage.init(copying:)))
        #expect(try await pipeline.render(master: readBack, parameters: parameters).bytes == expected)
    }
}

/// Lends a stored master from an array, in place, as the render cache lends from its file.
private struct ArrayLender: MasterLender {
    let stored: [UInt8]?

    func lend<T>(_ use: (UnsafeRawBufferPointer) -> T?) -> T? {
        stored?.withUnsafeBytes(use) ?? nil
    }
}

@Suite struct LentMasterTests {
    @Test(arguments: [("alpha.png", ImageFormat.png), ("photo.jpg", .jpeg), ("photo.jpg", .webp), ("alpha.png", .jpeg)])
    func aLentMasterRendersAsItsCopyDoes(name: String, format: ImageFormat) async throws {
        let master = try await pipeline.master(of: try Fixtures.bytes(name))
        let lender = ArrayLender(stored: master.serialized)
        for (size, shape) in [(1, AvatarShape.square), (40, .square), (40, .circle), (201, .square), (512, .square)] {
            let parameters = pipeline.parameters(size: size, format: format, shape: shape)
            let copied = try await pipeline.render(master: master, parameters: parameters).bytes
            let lent = try await pipeline.render(masterFrom: lender, parameters: parameters)
            #expect(lent?.bytes == copied, "\(name) as \(format) at \(size), \(shape)")
        }
    }

    @Test func withoutAWholeMasterToLendNothingIsRendered() async throws {
        let master = try await pipeline.master(of: try Fixtures.bytes("photo.jpg"))
        let parameters = pipeline.parameters(size: 40, format: .png)
        #expect(try await pipeline.render(masterFrom: ArrayLender(stored: nil), parameters: parameters) == nil)
        let damaged = ArrayLender(stored: Array(master.serialized.dropLast()))
        #expect(try await pipeline.render(masterFrom: damaged, parameters: parameters) == nil)
        // Larger than any master: 600 x 600 pixels of RGB.
        let oversized = Array("AVM1".utf8) + [0, 0, 2, 0x58, 0, 0, 2, 0x58, 0, 0, 0, 3] + [UInt8](repeating: 0, count: 600 * 600 * 3)
        #expect(try await pipeline.render(masterFrom: ArrayLender(stored: oversized), parameters: parameters) == nil)
        // Sizes above the master's are made from a copy, not lent.
        let upscaled = pipeline.parameters(size: RenderParameters.masterSize + 1, format: .png)
        #expect(try await pipeline.render(masterFrom: ArrayLender(stored: master.serialized), parameters: upscaled) == nil)
    }

    /// `madeHere` skips libvips' worker threads; the pixels must be the ones they make.
    @Test(arguments: ["alpha.png", "photo.jpg", "orientation-6.jpg"])
    func pixelsMadeHereAreThePixelsLibvipsThreadsMake(name: String) async throws {
        let master = try await pipeline.master(of: try Fixtures.bytes(name))
        let loaded = try RenderSteps.load(master)
        let deadline = RenderDeadline(seconds: 10)
        for size in [1, 3, 37, 200, 333, 512] {
            let parameters = pipeline.parameters(size: size, format: .png)
            let square = try RenderSteps.square(loaded, size: size)
            let threaded = try RenderSteps.encode(square, parameters, by: deadline)
            let here = try RenderSteps.encode(try RenderSteps.madeHere(square), parameters, by: deadline)
            #expect(here == threaded, "\(name) at \(size)")
        }
    }
}

extension Array where Element == UInt8 {
    func containsSequence(_ needle: [UInt8]) -> Bool {
        guard needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { self[$0..<$0 + needle.count].elementsEqual(needle) }
    }
}
