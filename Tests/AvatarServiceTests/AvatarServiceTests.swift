import AvatarCore
import AvatarMetadata
import AvatarService
import DefaultAvatars
import AvatarTestSupport
import Foundation
import Logging
import OriginalStorage
import Prometheus
import RenderCache
import RenderPipeline
import Testing

/// The service against the real embedded stores, in a fresh directory; or, given
/// `node`, a second node sharing its stores with a cache of its own.
extension ServiceFixture {
    /// What a request for `record` at `size` in `format` shows, asked through the service's seam.
    func shown(_ record: AvatarRecord, size: Int, format: ImageFormat) -> ShownImage {
        service.shown(
            RenderRequest(
                hash: record.hash, format: format, size: size, version: nil, defaultImage: .notFound,
                forceDefault: false, rating: .x),
            record: record)
    }
}

struct ServiceFixture {
    let root: String
    let originals: FilesystemOriginalStore
    let index: EmbeddedAvatarIndex
    let service: AvatarService
    let registry = PrometheusCollectorRegistry()
    let hash = AvatarHash("0123456789abcdef0123456789abcdef")!

    init(sharingStoresWith node: ServiceFixture? = nil) throws {
        root = try temporaryDirectory()
        originals = try node?.originals ?? FilesystemOriginalStore(root: root + "/originals", pool: BlockingWorkPool(threads: 2, name: "test-originals"))
        index = try node?.index ?? EmbeddedAvatarIndex(path: root + "/metadata")
        let metrics = PrometheusMetricsFactory(registry: registry)
        var settings = PipelineSettings()
        settings.renderNiceness = 0  // suites run side by side: CPU priority between them is not under test
        service = AvatarService(
            originals: originals, index: index, pipeline: try ImagePipeline(settings: settings, logger: Logger(label: "pipeline-test")),
            cache: try RenderCache(
                settings: RenderCacheSettings(path: root + "/cache", maxBytes: 16 << 20), metricsFactory: metrics,
                logger: Logger(label: "test")),
            metrics: ServiceMetrics(factory: metrics), logger: Logger(label: "test"))
    }

    /// The value of a counter the service has counted, 0 before its first increment.
    func counter(_ name: String) -> Int {
        var text: [UInt8] = []
        registry.emit(into: &text)
        let line = String(decoding: text, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix(name + " ") }
        return line.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
    }

    var originalFiles: [String] {
        (FileManager.default.enumerator(atPath: root + "/originals")?.allObjects as? [String] ?? [])
            .filter { $0.split(separator: "/").count == 3 }.sorted()
    }
}

@Suite struct AvatarServiceTests {
    @Test func uploadStoresOriginalThenRecord() async throws {
        let fixture = try ServiceFixture()
        let photo = try Fixtures.bytes("photo.jpg")
        let saved = try await fixture.service.upload(photo, for: fixture.hash, rating: .pg)
        #expect(saved.replaced == nil)
        #expect(saved.record.original == OriginalVersion.of(photo))
        #expect(saved.record.version == OriginalVersion.of(original: saved.record.original, crop: saved.record.crop))
        #expect(saved.record.format == .jpeg && saved.record.width == 300 && saved.record.height == 200)
        #expect(saved.record.bytes == photo.count && saved.record.rating == .pg)
        #expect(fixture.originalFiles == ["01/\(fixture.hash.value)/\(saved.record.original)"])
        #expect(try await fixture.originals.get(OriginalKey(hash: fixture.hash, version: saved.record.original)) == photo)
    }

    @Test func reuploadReplacesTheOriginalAndIdenticalReuploadKeepsIt() async throws {
        let fixture = try ServiceFixture()
        let first = try await fixture.service.upload(try Fixtures.bytes("photo.jpg"), for: fixture.hash, rating: .g)
        let second = try await fixture.service.upload(try Fixtures.bytes("photo.png"), for: fixture.hash, rating: .g)
        #expect(second.replaced?.version == first.record.version)
        #expect(second.record.createdAt == first.record.createdAt)
        #expect(fixture.originalFiles == ["01/\(fixture.hash.value)/\(second.record.original)"])
        let again = try await fixture.service.upload(try Fixtures.bytes("photo.png"), for: fixture.hash, rating: .g)
        #expect(again.record.version == second.record.version)
        #expect(fixture.originalFiles == ["01/\(fixture.hash.value)/\(second.record.original)"])
    }

    @Test(arguments: ["truncated.jpg", "image.svg", "pixel-bomb.png", "not-an-image.txt"])
    func refusedUploadsLeaveNothing(name: String) async throws {
        let fixture = try ServiceFixture()
        await #expect(throws: AvatarError.self) {
            try await fixture.service.upload(try Fixtures.bytes(name), for: fixture.hash, rating: .g)
        }
        #expect(fixture.originalFiles.isEmpty)
        #expect(try await fixture.index.record(for: fixture.hash) == nil)
    }

    @Test func deleteRemovesRecordAndOriginal() async throws {
        let fixture = try ServiceFixture()
        _ = try await fixture.service.upload(try Fixtures.bytes("photo.jpg"), for: fixture.hash, rating: .g)
        #expect(try await fixture.service.delete(fixture.hash))
        #expect(try await fixture.service.delete(fixture.hash) == false)
        #expect(fixture.originalFiles.isEmpty)
        #expect(try await fixture.service.record(for: fixture.hash) == nil)
    }

    @Test func aMissingOriginalIsNotFound() async throws {
        let fixture = try ServiceFixture()
        let saved = try await fixture.service.upload(try Fixtures.bytes("photo.jpg"), for: fixture.hash, rating: .g, crop: .centre)
        try await fixture.originals.delete(OriginalKey(hash: fixture.hash, version: saved.record.original))
        // Above the master's size, so the render needs the original itself.
        let size = RenderParameters.masterSize + 1
        await #expect(throws: AvatarError.notFound) {
            try await fixture.service.render(fixture.shown(saved.record, size: size, format: .jpeg))
        }
        let second = try ServiceFixture(sharingStoresWith: fixture)
        await #expect(throws: AvatarError.notFound) {
            try await second.service.render(second.shown(saved.record, size: 10, format: .jpeg))
        }
    }

    @Test func everySizeOfASmallChosenSquareComesFromItsMaster() async throws {
        let fixture = try ServiceFixture()
        let box = try #require(CropBox(x: 100, y: 50, width: 100, height: 50))
        let saved = try await fixture.service.upload(try Fixtures.bytes("quadrants.png"), for: fixture.hash, rating: .g, crop: .box(box))
        try await fixture.originals.delete(OriginalKey(hash: fixture.hash, version: saved.record.original))
        // The master holds every pixel of the 50 px square: no size needs the original again.
        for size in [RenderParameters.masterSize + 1, 2048] {
            let render = try await fixture.service.render(fixture.shown(saved.record, size: size, format: .png))
            #expect(near(ImageProbe.pixel(render.bytes.readableBytesView.map { $0 }, x: size / 2, y: size / 2), quadrantColours[3].rgb))
        }
        #expect(fixture.counter("avatars_original_reads_total") == 0)
    }

    @Test func sizesUpToTheMasterSizeComeFromOneMasterOnEveryNode() async throws {
        let first = try ServiceFixture()
        let saved = try await first.service.upload(try Fixtures.bytes("photo.png"), for: first.hash, rating: .g, crop: .centre)
        #expect(first.counter("avatars_masters_total") == 1)
        let sizes = [16, 80, 200, RenderParameters.masterSize]
        var firstBytes: [[UInt8]] = []
        for size in sizes {
            let rendered = try await first.service.render(first.shown(saved.record, size: size, format: .png))
            firstBytes.append(Array(rendered.bytes.readableBytesView))
        }
        #expect(first.counter("avatars_renders_total") == sizes.count)
        #expect(first.counter("avatars_original_reads_total") == 0, "the upload's master serves every size")
        #expect(first.counter("avatars_masters_total") == 1)

        // A node that never saw the upload makes the master from the original once, at the
        // same time as several sizes ask for it, and renders the same bytes.
        let second = try ServiceFixture(sharingStoresWith: first)
        let secondBytes = try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { group in
            for (position, size) in sizes.enumerated() {
                group.addTask {
                    let rendered = try await second.service.render(second.shown(saved.record, size: size, format: .png))
                    return (position, Array(rendered.bytes.readableBytesView))
                }
            }
            return try await group.reduce(into: [[UInt8]](repeating: [], count: sizes.count)) { $0[$1.0] = $1.1 }
        }
        #expect(secondBytes == firstBytes)
        #expect(second.counter("avatars_masters_total") == 1)
        #expect(second.counter("avatars_original_reads_total") == 1)

        // Larger sizes of the centre square are rendered from the original.
        _ = try await first.service.render(first.shown(saved.record, size: RenderParameters.masterSize + 1, format: .png))
        #expect(first.counter("avatars_original_reads_total") == 1)
    }
}

/// Whatever mix of uploads and deletes of one hash runs at once, from one node or two
/// sharing the stores, every record points at an original that exists, and no original
/// outlives its record.
@Suite struct ConsistencyTests {
    @Test func concurrentUploadsAndDeletesOfOneHashKeepRecordAndOriginalsInStep() async throws {
        let node = try ServiceFixture()
        let other = try ServiceFixture(sharingStoresWith: node)
        let images = try ["photo.jpg", "photo.png", "alpha.png"].map { try Fixtures.bytes($0) }
        var generator = SeededGenerator(seed: 42)
        for round in 0..<60 {
            let operations = (0..<6).map { _ in (Int.random(in: 0..<4, using: &generator), Bool.random(using: &generator)) }
            await withTaskGroup(of: Void.self) { group in
                for (operation, onOther) in operations {
                    let service = onOther ? other.service : node.service
                    group.addTask {
                        if operation == 3 {
                            _ = try? await service.delete(node.hash)
                        } else {
                            _ = try? await service.upload(images[operation], for: node.hash, rating: .g)
                        }
                    }
                }
            }
            let record = try await node.index.record(for: node.hash)
            let expected = record.map { ["01/\(node.hash.value)/\($0.original)"] } ?? []
            #expect(node.originalFiles == expected, "round \(round): \(operations)")
        }
        let report = try await ConsistencyCheck(index: node.index, originals: node.originals, cachePath: node.root + "/cache")
            .run(repair: false, minAge: 0)
        #expect(report.isConsistent && report.orphans.isEmpty && report.temporaries.isEmpty, "\(report)")
    }
}
