import Prometheus
import Testing

@testable import AvatarHTTP

/// Answers given on an event loop are counted in the loop's batch, handed on when it is
/// full and before every scrape: a scrape never misses one, and none is counted twice.
@Suite struct RequestMetricsTests {
    private func value(_ series: String, in registry: PrometheusCollectorRegistry) -> Double {
        let text = String(decoding: registry.emitToBuffer(), as: UTF8.self)
        let line = text.split(separator: "\n").first { $0.hasPrefix(series + " ") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
    }

    @Test func aBatchIsHandedOnWhenFullAndBeforeAScrape() {
        let registry = PrometheusCollectorRegistry()
        let metrics = RequestMetrics(factory: PrometheusMetricsFactory(registry: registry))
        let (first, second) = (metrics.makeBatch(), metrics.makeBatch())
        let ok = #"avatars_http_requests_total{route="/avatar/{name}",method="GET",status="200"}"#
        let answers = #"avatars_answers_total{path="event_loop"}"#
        let durations = #"avatars_http_request_duration_seconds_count{route="/avatar/{name}"}"#
        for _ in 0..<(RequestMetrics.batchSize - 1) {
            metrics.recordAnswer(route: .gravatar, method: "GET", status: 200, since: .now, in: first)
        }
        metrics.recordAnswer(route: .gravatar, method: "HEAD", status: 200, since: .now, in: second)
        #expect(value(ok, in: registry) == 0, "a batch that is not full was handed on")

        metrics.recordAnswer(route: .gravatar, method: "GET", status: 200, since: .now, in: first)
        #expect(value(ok, in: registry) == Double(RequestMetrics.batchSize))
        #expect(value(answers, in: registry) == Double(RequestMetrics.batchSize))

        metrics.handOnBatches()
        #expect(value(ok, in: registry) == Double(RequestMetrics.batchSize))
        #expect(value(#"avatars_http_requests_total{route="/avatar/{name}",method="HEAD",status="200"}"#, in: registry) == 1)
        #expect(value(answers, in: registry) == Double(RequestMetrics.batchSize + 1))
        #expect(value(durations, in: registry) == Double(RequestMetrics.batchSize + 1))
        metrics.handOnBatches()
        #expect(value(answers, in: registry) == Double(RequestMetrics.batchSize + 1), "an answer was counted twice")

        metrics.answeredByRouter()
        #expect(value(#"avatars_answers_total{path="router"}"#, in: registry) == 1)
    }
}
