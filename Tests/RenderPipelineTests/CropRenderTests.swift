import AvatarCore
import AvatarTestSupport
import Logging
import RenderPipeline
import Testing

@Suite struct CropRenderTests {
    func square(_ text: String, in name: String) async throws -> (AvatarCrop, [UInt8], InspectedOriginal) {
        let bytes = try Fixtures.bytes(name)
        let inspected = try await pipeline.inspect(upload: bytes)
        let choice = try #require(CropChoice(parsing: text))
        let crop = try await pipeline.square(for: choice, of: bytes, width: inspected.width, height: inspected.height)
        return (crop, bytes, inspected)
    }

    /// Every size and format from the master, and one larger than the master from the original.
    func renders(_ crop: AvatarCrop, of bytes: [UInt8], _ inspected: InspectedOriginal) async throws -> [[UInt8]] {
        let master = try await pipeline.master(of: bytes, crop: crop, width: inspected.width, height: inspected.height)
        var renders: [[UInt8]] = []
        for format in [ImageFormat.png, .jpeg, .webp] {
            renders.append(try await pipeline.render(master: master, parameters: pipeline.parameters(size: 40, format: format)).bytes)
        }
        let large = pipeline.parameters(size: RenderParameters.masterSize + 88, format: .png)
        renders.append(
            try await pipeline.render(
                original: bytes, crop: crop, width: inspected.width, height: inspected.height, parameters: large
            ).bytes)
        return renders
    }

    @Test func aBoxInEachQuadrantRendersThatQuadrantsColourAtEverySize() async throws {
        for (box, colour) in quadrantColours {
            let (crop, bytes, inspected) = try await square(box, in: "quadrants.png")
            #expect(crop.source == .user && crop.size == 50)
            for render in try await renders(crop, of: bytes, inspected) {
                let side = try #require(ImageProbe(render)).width
                for (x, y) in [(1, 1), (side / 2, side / 2), (side - 2, side - 2)] {
                    #expect(near(ImageProbe.pixel(render, x: x, y: y), colour), "\(box) at \(x),\(y) of \(side)")
                }
            }
        }
    }

    @Test func aNonSquareBoxGivesItsCentredSquare() async throws {
        // 200 x 50 across the top: the square is x 75 to 125, half red, half green.
        let (crop, bytes, inspected) = try await square("0,0,200,50", in: "quadrants.png")
        #expect(crop == AvatarCrop(x: 75, y: 0, size: 50, source: .user))
        for render in try await renders(crop, of: bytes, inspected) {
            let side = try #require(ImageProbe(render)).width
            #expect(near(ImageProbe.pixel(render, x: 2, y: side / 2), quadrantColours[0].rgb))
            #expect(near(ImageProbe.pixel(render, x: side - 3, y: side / 2), quadrantColours[1].rgb))
        }
    }

    @Test func boxesOfAnEXIFRotatedOriginalAreInUprightPixels() async throws {
        // orientation-6.jpg is stored 60 x 40 and shown 40 x 60: red top half, blue bottom half.
        for (box, colour) in [("0,0,40,30", [220.0, 20, 20]), ("0,30,40,30", [20.0, 20, 220])] {
            let (crop, bytes, inspected) = try await square(box, in: "orientation-6.jpg")
            #expect(inspected.width == 40 && inspected.height == 60)
            #expect(crop.size == 30)
            for render in try await renders(crop, of: bytes, inspected) {
                let side = try #require(ImageProbe(render)).width
                #expect(near(ImageProbe.pixel(render, x: side / 2, y: side / 2), colour, tolerance: 40), "\(box)")
            }
        }
        await #expect(throws: AvatarError.self) { try await square("0,0,60,40", in: "orientation-6.jpg") }
    }

    @Test func autoFindsAFaceFarOffCentre() async throws {
        // face-off-centre.jpg: 1500 x 400, the face near (1278, 100); the centre square is 550 to 950.
        let (crop, _, _) = try await square("auto", in: "face-off-centre.jpg")
        #expect(crop.source == .faces)
        #expect(crop.x <= 1238 && crop.x + crop.size >= 1318 && crop.y <= 60 && crop.y + crop.size >= 140, "\(crop)")
        #expect(crop.fits(width: 1500, height: 400))
    }

    @Test func autoWithoutFacesUsesAttention() async throws {
        // no-face.png: 600 x 150, grey, one orange disc from x 480 to 550.
        let (crop, bytes, inspected) = try await square("auto", in: "no-face.png")
        #expect(crop.source == .attention && crop.size == 150 && crop.y == 0)
        #expect(crop.x <= 480 && crop.x + crop.size >= 550, "\(crop)")
        let render = try await renders(crop, of: bytes, inspected)[0]
        let disc = (Double(515 - crop.x) / 150 * 40).rounded()
        #expect(near(ImageProbe.pixel(render, x: Int(disc), y: 20), [255, 120, 0], tolerance: 40))
    }

    @Test func withoutACascadeAutoStillWorksOnAttention() async throws {
        var settings = unbounded
        settings.faceCascade = "/nonexistent/cascade.xml"
        let records = RecordingLogHandler.Records()
        let logged = try ImagePipeline(
            settings: settings, logger: Logger(label: "pipeline-test") { _ in RecordingLogHandler(records: records) })
        let bytes = try Fixtures.bytes("face-off-centre.jpg")
        let crop = try await logged.square(for: .auto, of: bytes, width: 1500, height: 400)
        #expect(crop.source == .attention && crop.size == 400)
        #expect(records.all.contains { $0.level == .warning && $0.message.contains("face cascade") })
    }

    @Test func theCentreSquareRendersExactlyAsBeforeCrops() async throws {
        let (crop, bytes, inspected) = try await square("centre", in: "photo.jpg")
        #expect(crop == .centre(width: 300, height: 200))
        let parameters = pipeline.parameters(size: 600, format: .png)
        let viaCrop = try await pipeline.render(
            original: bytes, crop: crop, width: inspected.width, height: inspected.height, parameters: parameters)
        #expect(viaCrop.bytes == (try await pipeline.render(original: bytes, parameters: parameters)).bytes)
        let master = try await pipeline.master(of: bytes, crop: crop, width: 300, height: 200)
        #expect(master.serialized == (try await pipeline.master(of: bytes)).serialized)
    }
}
