import CoreMetrics

/// Counters of the work behind responses, on the application's own metrics factory so
/// that each application instance (and each test) counts alone.
public struct ServiceMetrics: Sendable {
    let renders: Counter
    let originalReads: Counter
    let masters: Counter

    public init(factory: any MetricsFactory) {
        renders = Counter(label: "avatars_renders_total", factory: factory)
        originalReads = Counter(label: "avatars_original_reads_total", factory: factory)
        masters = Counter(label: "avatars_masters_total", factory: factory)
    }
}
