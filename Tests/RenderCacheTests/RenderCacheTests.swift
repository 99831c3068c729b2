import AvatarCore
import AvatarTestSupport
import Foundation
import Logging
import NIOCore
import Prometheus
import RenderCache
import Testing

@Suite struct RenderCacheTests {
    let path: String
    let records = RecordingLogHandler.Records()
    let registry = PrometheusCollectorRegistry()

    init() throws {
        path = try temporaryDirectory("render-cache") + "/cache"
    }

    func open(maxBytes: Int = 8 << 20) throws -> RenderCache {
        try RenderCache(
            settings: RenderCacheSettings(path: path, maxBytes: maxBytes),
            metricsFactory: PrometheusMetricsFactory(registry: registry),
            logger: Logger(label: "cache-test") { _ in RecordingLogHandler(records: records) })
    }

    func render(_ seed: Int, bytes count: Int = 1000) -> CachedRender {
        var generator = SeededGenerator(seed: UInt64(seed))
        return CachedRender(
            contentType: "image/png", bytes: ByteBuffer(bytes: (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }))
    }

    func key(_ index: Int, version: String = "v1") -> RenderCacheKey {
        RenderCacheKey(hash: AvatarHash("0123456789abcdef0123456789abcdef")!, version: version, parameters: "p1-s\(index)-png")
    }

    var metrics: String { registry.emitToString() }

    func metricValue(_ name: String) -> Double? {
        metrics.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
    }

    @Test func storedRendersAreServedBeforeAndAfterTheirCommit() async throws {
        let cache = try open()
        #expect(await cache.get(key(1)) == nil)
        cache.store(render(1), for: key(1))
        #expect(await cache.get(key(1)) == render(1))
        try await cache.flush()
        #expect(cache.pending(key(1)) == nil)
        #expect(await cache.get(key(1)) == render(1))
        #expect(await cache.get(key(1, version: "v2")) == nil)
        #expect(try cache.usage().entries == 1)
        #expect(metrics.contains(#"avatars_cache_hits_total{kind="render"} 2"#))
        #expect(metrics.contains(#"avatars_cache_misses_total{kind="render"} 2"#))
        #expect(metrics.contains("avatars_cache_entries 1"))
        try await cache.close()
    }

    @Test func readHandsTheStoredBytesWhetherPendingOrCommitted() async throws {
        let cache = try open()
        let stored = render(7, bytes: 300_000)
        let expected = Array(stored.bytes.readableBytesView)
        #expect(await cache.read(key(7)) { Array($0) } == nil)
        cache.store(stored, for: key(7))
        #expect(await cache.read(key(7)) { Array($0) } == expected)
        try await cache.flush()
        #expect(cache.pending(key(7)) == nil)
        #expect(await cache.read(key(7)) { Array($0) } == expected)
        // A value the reader refuses reads as nothing.
        #expect(await cache.read(key(7)) { _ in Int?.none } == nil)
        #expect(metrics.contains(#"avatars_cache_hits_total{kind="render"} 2"#))
        #expect(metrics.contains(#"avatars_cache_misses_total{kind="render"} 2"#))
        try await cache.close()
    }

    @Test func readHereHandsTheStoredBytesOnTheCallingThreadAsReadDoes() async throws {
        let cache = try open()
        let stored = render(8, bytes: 300_000)
        let expected = Array(stored.bytes.readableBytesView)
        #expect(cache.readHere(key(8)) { Array($0) } == nil)
        cache.store(stored, for: key(8))
        #expect(cache.readHere(key(8)) { Array($0) } == expected)
        try await cache.flush()
        #expect(cache.pending(key(8)) == nil)
        #expect(cache.readHere(key(8)) { Array($0) } == expected)
        #expect(await cache.read(key(8)) { Array($0) } == cache.readHere(key(8)) { Array($0) })
        #expect(cache.readHere(key(8)) { _ in Int?.none } == nil)
        #expect(metrics.contains(#"avatars_cache_hits_total{kind="render"} 4"#))
        #expect(metrics.contains(#"avatars_cache_misses_total{kind="render"} 2"#))
        try await cache.close()
    }

    @Test func rendersSurviveReopening() async throws {
        do {
            let cache = try open()
            for index in 0..<20 { cache.store(render(index), for: key(index)) }
            try await cache.close()
        }
        let reopened = try open()
        for index in 0..<20 { #expect(await reopened.get(key(index)) == render(index)) }
        reopened.store(render(99), for: key(99))
        try await reopened.flush()
        #expect(try reopened.usage().entries == 21)
        try await reopened.close()
    }

    @Test func fillingManyTimesOverEvictsTheOldestAndStaysWithinTheBound() async throws {
        let maxBytes = 4 << 20
        let cache = try open(maxBytes: maxBytes)
        let count = 800
        for index in 0..<count {
            cache.store(render(index, bytes: 30_000), for: key(index))
            if index % 10 == 9 {
                try await cache.flush()
                // Read back, so renders are also kept in memory: what LMDB evicts must not
                // be answered from there either.
                _ = await cache.get(key(index))
                if index < 10 { _ = await cache.get(key(0)) }
            }
        }
        try await cache.flush()
        let usage = try cache.usage()
        // Under CPU contention batches are smaller and free pages more scattered, so the
        // fallback of evicting the older half may be needed; clearing or dropping may not.
        #expect(
            records.all.allSatisfy { $0.level == .warning && $0.message.contains("evicting the older half") },
            "\(records.all)")
        #expect(usage.bytes <= Int(Double(maxBytes) * 0.85))
        #expect(usage.entries > 10 && usage.entries < count)
        for index in (count - 10)..<count { #expect(await cache.get(key(index)) == render(index, bytes: 30_000)) }
        for index in 0..<10 { #expect(await cache.get(key(index)) == nil) }
        let fileSize = try FileManager.default.attributesOfItem(atPath: path + "/data.mdb")[.size] as? Int ?? .max
        #expect(fileSize <= maxBytes)
        #expect(!metrics.contains("avatars_cache_evictions_total 0"))
        try await cache.close()
    }

    /// The oldest entries go first unless they are read: a render hit (from memory or the
    /// file) and a master read for its renders outlive many evictions of their age, while
    /// an entry as old that nobody reads goes.
    @Test func entriesReadWhileOldOutliveTheEvictionsOfTheirAge() async throws {
        // Room enough that the free pages of a small map, scattered under a loaded machine's
        // small batches, never force the fallback of evicting the older half (which takes
        // entries in use too, and is tested elsewhere).
        let cache = try open(maxBytes: 32 << 20)
        let hash = AvatarHash("0123456789abcdef0123456789abcdef")!
        let master = RenderCacheKey.master(hash: hash, version: "v1", pipeline: "m1")
        let masterBytes = render(1, bytes: 200_000)
        let kept = render(0, bytes: 30_000)
        let masterExpected = Array(masterBytes.bytes.readableBytesView)
        cache.store(kept, for: key(0))
        cache.store(masterBytes, for: master)
        cache.store(render(2, bytes: 30_000), for: key(2))
        try await cache.flush()
        // Over twice the cache's size written after them.
        for index in 10..<2_410 {
            let filler = CachedRender(contentType: "image/png", bytes: ByteBuffer(repeating: UInt8(index % 256), count: 30_000))
            cache.store(filler, for: key(index))
            if index % 20 == 19 {
                try await cache.flush()
                #expect(await cache.get(key(0)) == kept, "after \(index): \(records.all)")
                #expect(await cache.read(master) { Array($0) } == masterExpected, "after \(index): \(records.all)")
            }
        }
        try await cache.flush()
        #expect(metricValue("avatars_cache_evictions_total") ?? 0 > 0)
        #expect(metricValue("avatars_cache_kept_in_use_total") ?? 0 > 0)
        // Read from the file, not from memory.
        #expect(await cache.read(key(0)) { $0.count } == 30_000)
        #expect(await cache.read(key(2)) { $0.count } == nil)
        #expect(await cache.read(key(10)) { $0.count } == nil)
        try await cache.close()
    }

    /// Until live data nears the eviction marks, reads write nothing.
    @Test func readsOfACacheWithRoomWriteNothing() async throws {
        let cache = try open()
        for index in 0..<20 { cache.store(render(index), for: key(index)) }
        try await cache.flush()
        for _ in 0..<20 {
            for index in 0..<20 {
                _ = await cache.get(key(index))
                _ = await cache.read(key(index)) { $0.count }
            }
        }
        try await cache.flush()
        #expect(metricValue("avatars_cache_kept_in_use_total") == 0)
        try await cache.close()
    }

    /// Writes again are paid for by new entries: reads of a cache near its eviction mark
    /// that gets nothing new soon write nothing more, however often they come.
    @Test func readsOfACacheThatGetsNothingNewSoonWriteNothing() async throws {
        let maxBytes = 4 << 20
        let cache = try open(maxBytes: maxBytes)
        var count = 0
        while try cache.usage().bytes < maxBytes * 3 / 4 {
            for _ in 0..<50 {
                cache.store(render(count, bytes: 2_500), for: key(count))
                count += 1
            }
            try await cache.flush()
        }
        func readAll(times: Int) async throws -> Int {
            for _ in 0..<times {
                for index in 0..<count { _ = await cache.get(key(index)) }
                try await cache.flush()
            }
            return Int(metricValue("avatars_cache_kept_in_use_total") ?? -1)
        }
        let first = try await readAll(times: 3)
        #expect(first > 0 && first * 2_500 <= maxBytes / 2, "\(first) of \(count)")
        #expect(try await readAll(times: 3) == first)
        #expect(metricValue("avatars_cache_dropped_writes_total") == 0)
        try await cache.close()
    }

    @Test func aSmallCacheStillKeepsTheNewestOfLargeRenders() async throws {
        let cache = try open(maxBytes: 4 << 20)
        for index in 0..<12 {
            cache.store(render(index, bytes: 600 * 1024), for: key(index))
            try await cache.flush()
            #expect(cache.pending(key(index)) == nil)
            #expect(await cache.read(key(index)) { $0.count } == 600 * 1024, "render \(index)")
        }
        #expect(try cache.usage().bytes <= 4 << 20)
        try await cache.close()
    }

    @Test func aRenderAdmittedWhenAskedAgainIsCachedTheSecondTimeOnly() async throws {
        let cache = try open()
        cache.store(render(1), for: key(1), admission: .whenAskedAgain)
        #expect(cache.pending(key(1)) == nil)
        #expect(await cache.get(key(1)) == nil)
        cache.store(render(1), for: key(1), admission: .whenAskedAgain)
        try await cache.flush()
        #expect(await cache.get(key(1)) == render(1))
        try await cache.close()
    }

    @Test func aFloodOfOneOffRendersNeverEvictsTheRendersAskedForAgain() async throws {
        let cache = try open(maxBytes: 2 << 20)
        let hot = (0..<20).map { render($0, bytes: 20_000) }
        for (index, entry) in hot.enumerated() { cache.store(entry, for: key(index)) }
        try await cache.flush()
        // Ten times the cache's size of renders asked for once each.
        let oneOff = CachedRender(contentType: "image/png", bytes: ByteBuffer(repeating: 7, count: 20_000))
        for index in 0..<1_000 { cache.store(oneOff, for: key(100_000 + index), admission: .whenAskedAgain) }
        try await cache.flush()
        for (index, entry) in hot.enumerated() { #expect(await cache.get(key(index)) == entry, "hot render \(index) evicted") }
        #expect(try cache.usage().entries == 20)
        try await cache.close()
    }

    @Test func oversizedRendersAreNotCached() async throws {
        let cache = try open(maxBytes: 1 << 20)
        let largest = RenderCacheSettings(path: path, maxBytes: 1 << 20).largestEntry
        cache.store(render(1, bytes: largest + 1), for: key(1))
        cache.store(render(2, bytes: largest), for: key(2))
        try await cache.flush()
        #expect(await cache.get(key(1)) == nil)
        #expect(await cache.get(key(2)) != nil)
        try await cache.close()
    }

    @Test func anUnusableCacheIsMovedAsideAndRecreated() async throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Data(repeating: 0x42, count: 256 * 1024).write(to: URL(fileURLWithPath: path + "/data.mdb"))
        let cache = try open()
        cache.store(render(1), for: key(1))
        try await cache.flush()
        #expect(await cache.get(key(1)) == render(1))
        #expect(records.all.contains { $0.level == .warning && $0.message.contains("moving it aside") })
        let parent = (path as NSString).deletingLastPathComponent
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent).contains { $0.hasPrefix("cache.unusable-") })
        try await cache.close()
    }

    @Test func aSmallerMaxBytesKeepsWhatFitsAndStartsFreshOtherwise() async throws {
        do {
            let cache = try open(maxBytes: 8 << 20)
            cache.store(render(1), for: key(1))
            try await cache.close()
        }
        do {
            let smaller = try open(maxBytes: 4 << 20)
            #expect(await smaller.get(key(1)) == render(1), "a data file within the new bound is kept")
            for index in 2..<40 { smaller.store(render(index, bytes: 80_000), for: key(index)) }
            try await smaller.close()
        }
        let smallest = try open(maxBytes: 1 << 20)
        #expect(await smallest.get(key(1)) == nil, "a data file beyond the new bound is replaced")
        smallest.store(render(2), for: key(2))
        try await smallest.flush()
        #expect(await smallest.get(key(2)) != nil)
        let fileSize = try FileManager.default.attributesOfItem(atPath: path + "/data.mdb")[.size] as? Int ?? .max
        #expect(fileSize <= 1 << 20)
        try await smallest.close()
    }
}
