import CoreMetrics
import NIOConcurrencyHelpers

/// Counts requests by route, method and status and times them by route, on the
/// application's own metrics factory. Shared by the router's middleware and the event
/// loops' answers, so every request is counted once whichever answers it.
///
/// An event loop counts its answers in a `Batch` of its own and hands them on every
/// `batchSize` answers and before every scrape (`handOnBatches()`): the shared counters
/// and histograms would otherwise be written by every loop on every answer, which costs
/// hits more than the rest of their work. A scrape sees every answer given before it;
/// answers not yet handed on when the process stops are not counted anywhere.
final class RequestMetrics: Sendable {
    fileprivate struct Key: Hashable {
        let route: String
        let method: String
        let status: Int
    }

    /// Which path gave an avatar answer (`avatars_answers_total{path}`).
    enum AnswerPath: String, CaseIterable {
        case eventLoop = "event_loop"
        case router
    }

    /// Answers one event loop gave and has not handed on yet, with their durations.
    final class Batch: Sendable {
        fileprivate let pending = NIOLockedValueBox<[(key: Key, nanoseconds: Int64)]>([])
    }

    /// How many answers a batch holds before its loop hands them on.
    static let batchSize = 256

    private let factory: any MetricsFactory
    private let answers: [AnswerPath: Counter]
    /// Made once per label set: making them through the factory on every request costs a
    /// registry lookup under a lock.
    private let made = NIOLockedValueBox<[Key: (Counter, Timer)]>([:])
    private let batches = NIOLockedValueBox<[Batch]>([])

    init(factory: any MetricsFactory) {
        self.factory = factory
        answers = Dictionary(
            uniqueKeysWithValues: AnswerPath.allCases.map {
                ($0, Counter(label: "avatars_answers_total", dimensions: [("path", $0.rawValue)], factory: factory))
            })
    }

    /// Counts an avatar answer (image, default, `304`, `302` or `404`) the router gave.
    func answeredByRouter() {
        answers[.router]?.increment()
    }

    /// Counts and times a request the router answered, begun at `start`.
    func record(route: String, method: String, status: Int, since start: ContinuousClock.Instant) {
        let key = Key(route: route, method: method, status: status)
        let (counter, timer) = handles(key)
        counter.increment()
        timer.recordNanoseconds(Self.nanoseconds(since: start))
    }

    /// A batch for one event loop's answers, handed on with the others before each scrape.
    func makeBatch() -> Batch {
        let batch = Batch()
        batches.withLockedValue { $0.append(batch) }
        return batch
    }

    /// Records an avatar answer given on an event loop in that loop's `batch`.
    func recordAnswer(
        route: AnswerRoute, method: String, status: Int, since start: ContinuousClock.Instant, in batch: Batch
    ) {
        let answer = (key: Key(route: route.rawValue, method: method, status: status), nanoseconds: Self.nanoseconds(since: start))
        let full = batch.pending.withLockedValue { pending -> [(key: Key, nanoseconds: Int64)]? in
            pending.append(answer)
            return pending.count >= Self.batchSize ? Self.take(&pending) : nil
        }
        if let full { handOn(full) }
    }

    /// Hands every batch's answers on to the shared metrics: called before a scrape.
    func handOnBatches() {
        for batch in batches.withLockedValue({ $0 }) {
            handOn(batch.pending.withLockedValue { Self.take(&$0) })
        }
    }

    /// What a batch holds, leaving it empty with its capacity kept for the next answers.
    private static func take(_ pending: inout [(key: Key, nanoseconds: Int64)]) -> [(key: Key, nanoseconds: Int64)] {
        defer { pending.removeAll(keepingCapacity: true) }
        return pending
    }

    private func handOn(_ answered: [(key: Key, nanoseconds: Int64)]) {
        guard !answered.isEmpty else { return }
        answers[.eventLoop]?.increment(by: Int64(answered.count))
        var byKey: [Key: [Int64]] = [:]
        for answer in answered { byKey[answer.key, default: []].append(answer.nanoseconds) }
        for (key, durations) in byKey {
            let (counter, timer) = handles(key)
            counter.increment(by: Int64(durations.count))
            for duration in durations { timer.recordNanoseconds(duration) }
        }
    }

    private static func nanoseconds(since start: ContinuousClock.Instant) -> Int64 {
        let elapsed = ContinuousClock.now - start
        return elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
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
