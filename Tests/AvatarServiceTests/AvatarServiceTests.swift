import AvatarCore
import AvatarMetadata
import AvatarService
import AvatarTestSupport
import Foundation
import Logging
import OriginalStorage
import Prometheus
import RenderCache
import RenderPipeline
import Testing

/// The service against the real embedded stores, in a fresh directory.
struct ServiceFixture {
    let root: String
    let originals: FilesystemOriginalStore
    let index: EmbeddedAvatarIndex
    let service: AvatarService
    let hash = AvatarHash("0123456789abcdef0123456789abcdef")!

    init() throws {
        root = try temporaryDirectory()
        originals = try FilesystemOriginalStore(root: root + "/originals", pool: BlockingWorkPool(threads: 2))
        index = try EmbeddedAvatarIndex(path: root + "/metadata")
        let metrics = PrometheusMetricsFactory(registry: PrometheusCollectorRegistry())
        service = AvatarService(
            originals: originals, index: index, pipeline: try ImagePipeline(settings: PipelineSettings()),
            cache: try RenderCache(
                settings: RenderCacheSettings(path: root + "/cache", maxBytes: 16 << 20), metricsFactory: metrics,
                logger: Logger(label: "test")),
            metrics: ServiceMetrics(factory: metrics), logger: Logger(label: "test"))
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
        #expect(saved.record.version == OriginalVersion.of(photo))
        #expect(saved.record.format == .jpeg && saved.record.width == 300 && saved.record.height == 200)
        #expect(saved.record.bytes == photo.count && saved.record.rating == .pg)
        #expect(fixture.originalFiles == ["01/\(fixture.hash.value)/\(saved.record.version)"])
        #expect(try await fixture.originals.get(OriginalKey(hash: fixture.hash, version: saved.record.version)) == photo)
    }

    @Test func reuploadReplacesTheOriginalAndIdenticalReuploadKeepsIt() async throws {
        let fixture = try ServiceFixture()
        let first = try await fixture.service.upload(try Fixtures.bytes("photo.jpg"), for: fixture.hash, rating: .g)
        let second = try await fixture.service.upload(try Fixtures.bytes("photo.png"), for: fixture.hash, rating: .g)
        #expect(second.replaced?.version == first.record.version)
        #expect(second.record.createdAt == first.record.createdAt)
        #expect(fixture.originalFiles == ["01/\(fixture.hash.value)/\(second.record.version)"])
        let again = try await fixture.service.upload(try Fixtures.bytes("photo.png"), for: fixture.hash, rating: .g)
        #expect(again.record.version == second.record.version)
        #expect(fixture.originalFiles == ["01/\(fixture.hash.value)/\(second.record.version)"])
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
        let saved = try await fixture.service.upload(try Fixtures.bytes("photo.jpg"), for: fixture.hash, rating: .g)
        try await fixture.originals.delete(OriginalKey(hash: fixture.hash, version: saved.record.version))
        await #expect(throws: AvatarError.notFound) {
            try await fixture.service.render(
                saved.record, parameters: fixture.service.pipeline.parameters(size: 10, format: .jpeg))
        }
    }
}
