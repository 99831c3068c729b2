import AvatarCore
import AvatarMetadata
import AvatarService
import AvatarTestSupport
import Foundation
import Logging
import NIOConcurrencyHelpers
import OriginalStorage
import Prometheus
import RenderCache
import RenderPipeline
import Testing

/// An embedded index that runs `interleave` once, just before the next change takes its
/// turn: another change that lands while the first was working out what to save.
final class InterleavingIndex: AvatarIndex {
    let base: EmbeddedAvatarIndex
    let interleave = NIOLockedValueBox<(@Sendable () async -> Void)?>(nil)

    init(_ base: EmbeddedAvatarIndex) { self.base = base }

    func record(for hash: AvatarHash) async throws(AvatarError) -> AvatarRecord? { try await base.record(for: hash) }
    func save(_ facts: AvatarFacts, at now: Date) async throws(AvatarError) -> SavedRecord { try await base.save(facts, at: now) }
    func remove(_ hash: AvatarHash) async throws(AvatarError) -> AvatarRecord? { try await base.remove(hash) }
    func checkReady() async throws(AvatarError) { try await base.checkReady() }
    func records(after hash: AvatarHash?, limit: Int) async throws(AvatarError) -> [AvatarRecord] {
        try await base.records(after: hash, limit: limit)
    }
    func exclusively<T: Sendable>(_ hash: AvatarHash, _ body: @escaping @Sendable () async throws(AvatarError) -> T)
        async throws(AvatarError) -> T
    {
        if let interleave = interleave.withLockedValue({ pending in defer { pending = nil }; return pending }) { await interleave() }
        return try await base.exclusively(hash, body)
    }
}

@Suite struct RecropTests {
    @Test func aRecropRacingAnUploadIsAConflictAndNeverPointsBackAtTheRemovedOriginal() async throws {
        let root = try temporaryDirectory()
        let originals = try FilesystemOriginalStore(root: root + "/originals", pool: BlockingWorkPool(threads: 2, name: "test-originals"))
        let index = InterleavingIndex(try EmbeddedAvatarIndex(path: root + "/metadata"))
        var settings = PipelineSettings()
        settings.renderNiceness = 0
        let metrics = PrometheusMetricsFactory(registry: PrometheusCollectorRegistry())
        let service = AvatarService(
            originals: originals, index: index, pipeline: try ImagePipeline(settings: settings, logger: Logger(label: "test")),
            cache: try RenderCache(
                settings: RenderCacheSettings(path: root + "/cache", maxBytes: 16 << 20), metricsFactory: metrics,
                logger: Logger(label: "test")),
            metrics: ServiceMetrics(factory: metrics), logger: Logger(label: "test"))
        let hash = AvatarHash("0123456789abcdef0123456789abcdef")!

        let first = try await service.upload(try Fixtures.bytes("quadrants.png"), for: hash, rating: .g, crop: .centre)
        let photo = try Fixtures.bytes("photo.jpg")
        index.interleave.withLockedValue { $0 = { _ = try? await service.upload(photo, for: hash, rating: .g, crop: .centre) } }
        await #expect(throws: AvatarError.conflict) {
            try await service.recrop(hash, to: .box(CropBox(x: 0, y: 0, width: 100, height: 50)!))
        }
        let now = try #require(try await index.record(for: hash))
        #expect(now.original == OriginalVersion.of(photo) && now.original != first.record.original)
        let files = (FileManager.default.enumerator(atPath: root + "/originals")?.allObjects as? [String] ?? [])
            .filter { $0.split(separator: "/").count == 3 }
        #expect(files == ["01/\(hash.value)/\(now.original)"])

        // Without a race, the same re-crop saves over the original it was found in.
        let recropped = try await service.recrop(hash, to: .box(CropBox(x: 0, y: 0, width: 100, height: 50)!))
        #expect(recropped.record.original == now.original && recropped.replaced == now)
        #expect(recropped.record.crop == AvatarCrop(x: 25, y: 0, size: 50, source: .user))
    }
}
