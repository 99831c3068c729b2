import AvatarCore
import AvatarTestSupport
import RenderPipeline
import Testing

let pipeline = try! ImagePipeline(settings: PipelineSettings())

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

    @Test func pixelLimitIsConfigurable() async throws {
        var settings = PipelineSettings()
        settings.maxPixels = 300 * 200 - 1
        let strict = try ImagePipeline(settings: settings)
        await #expect(throws: AvatarError.self) { try await strict.inspect(upload: try Fixtures.bytes("photo.jpg")) }
        try await strict.shutdown()
    }
}

/// Renders as the service does: sizes the master covers from the master, larger ones
/// from the original.
func render(_ name: String, size: Int, _ format: ImageFormat) async throws -> [UInt8] {
    let original = try Fixtures.bytes(name)
    let parameters = pipeline.parameters(size: size, format: format)
    if parameters.rendersFromMaster {
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

extension Array where Element == UInt8 {
    func containsSequence(_ needle: [UInt8]) -> Bool {
        guard needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { self[$0..<$0 + needle.count].elementsEqual(needle) }
    }
}
