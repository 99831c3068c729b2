import CoreMetrics
import NIOConcurrencyHelpers

/// Counts requests by route, method and status and times them by route, on the
/// application's own metrics factory. Shared by the router's middleware and the cache-hit
/// fast path, so every request is counted once whichever answers it.
final class RequestMetrics: Sendable {
    private struct Key: Hashable {
        let route: String
        let method: String
        let status: Int
    }

    /// Which path gave an avatar answer (`avatars_answers_total{path}`).
    enum AnswerPath: String, CaseIterable {
        case eventLoop = "event_loop"
        case router
    }

    private let factory: any MetricsFactory
    private let answers: [AnswerPath: Counter]
    /// Made once per label set: making them through the factory on every request costs a
    /// registry lookup under a lock.
    private let made = NIOLockedValueBox<[Key: (Counter, Timer)]>([:])

    init(factory: any MetricsFactory) {
        self.factory = factory
        answers = Dictionary(
            uniqueKeysWithValues: AnswerPath.allCases.map {
                ($0, Counter(label: "avatars_answers_total", dimensions: [("path", $0.rawValue)], factory: factory))
            })
    }

    /// Counts an avatar answer (image, default, `304`, `302` or `404`) given by `path`.
    func answered(on path: AnswerPath) {
        answers[path]?.increment()
    }

    func record(route: String, method: String, status: Int, since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let (counter, timer) = handles(Key(route: route, method: method, status: status))
        counter.increment()
        timer.recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }

    private func handles(_ key: Key) -> (Counter, Timer) {
        if let found = made.withLockedValue({ $0[key] }) { return found }
        let handles = (
            Counter(
                label: "avatars_http_requests_total",
                dimensions: [("route", key.route), ("method", key.method), ("status", String(key.status))],
                factory: factory),
            Timer(label: "avatars_http_request_duration_seconds", dimensions: [("route", key.route)], factory: factory)
        )
        made.withLockedValue { $0[key] = handles }
        return handles
    }
}
