import CoreMetrics

/// The cache's counters and gauges, on the application's metrics factory. Hits and
/// misses are counted per kind of entry (`render`, `master`, `original`), so the render
/// hit rate is not blurred by the lookups a miss makes for its inputs.
struct RenderCacheMetrics: Sendable {
    private let hits: [RenderCacheKey.Kind: Counter]
    private let misses: [RenderCacheKey.Kind: Counter]
    let evictions: Counter
    /// Entries read while among the oldest and so written again (`RenderCache.keepIfOld`).
    let keptInUse: Counter
    let droppedWrites: Counter
    let entries: Gauge
    let bytes: Gauge

    init(factory: any MetricsFactory) {
        func perKind(_ label: String) -> [RenderCacheKey.Kind: Counter] {
            Dictionary(uniqueKeysWithValues: RenderCacheKey.Kind.allCases.map {
                ($0, Counter(label: label, dimensions: [("kind", $0.name)], factory: factory))
            })
        }
        hits = perKind("avatars_cache_hits_total")
        misses = perKind("avatars_cache_misses_total")
        evictions = Counter(label: "avatars_cache_evictions_total", factory: factory)
        keptInUse = Counter(label: "avatars_cache_kept_in_use_total", factory: factory)
        droppedWrites = Counter(label: "avatars_cache_dropped_writes_total", factory: factory)
        entries = Gauge(label: "avatars_cache_entries", factory: factory)
        bytes = Gauge(label: "avatars_cache_bytes", factory: factory)
    }

    func lookedUp(_ key: RenderCacheKey, found: Bool) {
        (found ? hits : misses)[key.kind]?.increment()
    }
}
