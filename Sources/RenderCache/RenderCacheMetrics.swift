import CoreMetrics

/// The cache's counters and gauges, on the application's metrics factory.
struct RenderCacheMetrics: Sendable {
    let hits: Counter
    let misses: Counter
    let evictions: Counter
    let droppedWrites: Counter
    let entries: Gauge
    let bytes: Gauge

    init(factory: any MetricsFactory) {
        hits = Counter(label: "avatars_cache_hits_total", factory: factory)
        misses = Counter(label: "avatars_cache_misses_total", factory: factory)
        evictions = Counter(label: "avatars_cache_evictions_total", factory: factory)
        droppedWrites = Counter(label: "avatars_cache_dropped_writes_total", factory: factory)
        entries = Gauge(label: "avatars_cache_entries", factory: factory)
        bytes = Gauge(label: "avatars_cache_bytes", factory: factory)
    }
}
