import AsyncHTTPClient
import AvatarCore
import Foundation
import Logging
import CoreMetrics
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization

/// Sends pending purges: at once after a change on this node (`wake()`), and every second
/// whatever any node left due, so a purge whose node stopped is sent by another or after a
/// restart. Claims are leases in the shared store, so each purge goes out from one node.
/// Never on a request's path: a slow or dead target delays only its own purges.
public final class PurgeSender: Service, Sendable {
    private let queue: any PurgeQueue
    private let targets: [String: PurgeTarget]
    private let settings: PurgeSettings
    private let retry: PurgeRetry
    private let client: HTTPClient
    private let logger: Logger
    private let ticks: AsyncStream<Void>
    private let tick: AsyncStream<Void>.Continuation
    private let metricsFactory: any MetricsFactory
    private let pending: Gauge
    private let oldest: Gauge

    /// Purges claimed at a time: a backlog is worked through a claim at a time.
    let claimLimit: Int
    /// How long a claim keeps other nodes off: past the deadline of its last attempt.
    let lease: Duration

    /// Batches of requests (`requestsAtOnce` each) one claim makes to a target at most.
    static let batchesPerClaim = 2

    /// The claim limit and lease for `targets`: a claim fills at most `batchesPerClaim`
    /// batches of requests to the target that batches fewest keys, so every attempt of a
    /// claim ends, by its deadline, within the lease (with time to settle), however many
    /// webhooks are due; and a claim a stopped node held is free again within seconds.
    static func claimSize(for targets: [PurgeTarget], attemptTimeout: Duration) -> (limit: Int, lease: Duration) {
        let keys = targets.map(\.keysPerRequest).min() ?? 1
        return (keys * requestsAtOnce * batchesPerClaim, attemptTimeout * batchesPerClaim + .seconds(3))
    }

    public init(
        queue: any PurgeQueue, settings: PurgeSettings, client: HTTPClient, logger: Logger,
        metricsFactory: any MetricsFactory
    ) {
        self.metricsFactory = metricsFactory
        pending = Gauge(label: "avatars_purges_pending", factory: metricsFactory)
        oldest = Gauge(label: "avatars_purge_oldest_pending_seconds", factory: metricsFactory)
        self.queue = queue
        self.settings = settings
        targets = Dictionary(settings.targets.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        retry = PurgeRetry(maxAge: settings.maxAge)
        (claimLimit, lease) = Self.claimSize(for: settings.targets, attemptTimeout: settings.attemptTimeout)
        self.client = client
        self.logger = logger
        // One waiting round is enough however many changes ask for it.
        (ticks, tick) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks for a round now: a change committed here.
    public func wake() {
        tick.yield()
    }

    public func run() async throws {
        let tick = tick
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    while (try? await Task.sleep(for: .seconds(1))) != nil { tick.yield() }
                    tick.finish()
                }
                group.addTask { [self] in
                    for await _ in ticks { await round() }
                }
                await group.next()
                group.cancelAll()
            }
        }
    }

    /// Claims what is due and sends it, until less than a full claim is due.
    func round() async {
        var claimed = claimLimit
        while claimed == claimLimit, !Task.isCancelled {
            let now = Date()
            do {
                let claim = try await queue.claimDue(
                    for: Array(targets.keys), at: now, leaseUntil: now.addingTimeInterval(lease.seconds),
                    limit: claimLimit, expiredBefore: now.addingTimeInterval(-settings.maxAge.seconds))
                claimed = claim.due.count
                for name in claim.expired { count(kind(of: name), "expired") }
                if !claim.due.isEmpty {
                    let settlements = await send(claim.due)
                    // Settled even when the sender is stopping: else what was sent goes out again.
                    try await Task { [queue] in try await queue.settle(settlements) }.value
                }
            } catch {
                logger.warning("pending purges could not be read or settled", metadata: ["error": "\(error)"])
                claimed = 0
            }
            await reportEverySecond()
        }
    }

    /// Sends `due` to their targets, every target at once and a few requests of each at a
    /// time; returns what becomes of each.
    func send(_ due: [PendingPurge]) async -> [PurgeSettlement] {
        let byTarget = Dictionary(grouping: due, by: \.target)
        return await withTaskGroup(of: [PurgeSettlement].self) { group in
            for (name, purges) in byTarget {
                guard let target = targets[name] else { continue }
                let requests = target.requests(for: purges, webhookSecret: settings.webhookSecret)
                group.addTask { [self] in
                    var settlements: [PurgeSettlement] = []
                    for start in stride(from: 0, to: requests.count, by: Self.requestsAtOnce) {
                        settlements += await withTaskGroup(of: [PurgeSettlement].self) { batch in
                            for request in requests[start..<min(start + Self.requestsAtOnce, requests.count)] {
                                batch.addTask { await self.settlements(of: request, to: target) }
                            }
                            return await batch.reduce(into: []) { $0 += $1 }
                        }
                    }
                    return settlements
                }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
    }

    /// Requests one target gets at a time: within its client's connections per host.
    static let requestsAtOnce = 4

    private func settlements(of request: PurgeRequest, to target: PurgeTarget) async -> [PurgeSettlement] {
        if await attempt(request, to: target) {
            count(target.kind, "sent", request.purges.count)
            return request.purges.map { PurgeSettlement(claimed: $0, next: nil) }
        }
        count(target.kind, "failed", request.purges.count)
        return request.purges.map { PurgeSettlement(claimed: $0, next: retry.afterFailure($0, at: Date())) }
    }

    /// One attempt, answer and body within `settings.attemptTimeout`: whether it was 2xx.
    private func attempt(_ request: PurgeRequest, to target: PurgeTarget) async -> Bool {
        var http = HTTPClientRequest(url: request.url.absoluteString)
        http.method = HTTPMethod(rawValue: request.method)
        for (name, value) in request.headers { http.headers.add(name: name, value: value) }
        if let body = request.body { http.body = .bytes(ByteBuffer(bytes: body)) }
        let (client, timeout, prepared, lease) = (client, settings.attemptTimeout, http, lease)
        let status: UInt? = await withTaskGroup(of: UInt?.self) { group in
            group.addTask {
                guard let response = try? await client.execute(prepared, timeout: .seconds(lease.components.seconds)) else {
                    return nil
                }
                // The body is not needed, but is read to the end for the connection's sake.
                _ = try? await response.body.collect(upTo: 64 * 1024)
                return response.status.code
            }
            // The deadline covers the answer's body too, so a target that stalls mid-answer
            // costs one attempt, never the round.
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let status, (200..<300).contains(status) else {
            logger.warning(
                "purge failed", metadata: ["target": "\(target.kind)", "host": "\(request.url.host ?? "")",
                    "status": "\(status.map(String.init) ?? "none within the deadline")"])
            return false
        }
        return true
    }

    /// The metric label of a target name, also for one no longer configured ("varnish …" → "varnish").
    private func kind(of name: String) -> String {
        targets[name]?.kind ?? String(name.prefix { $0 != " " })
    }

    private func count(_ kind: String, _ outcome: String, _ purges: Int = 1) {
        Counter(label: "avatars_purges_total", dimensions: [("target", kind), ("outcome", outcome)], factory: metricsFactory)
            .increment(by: purges)
    }

    private let lastReport = Mutex(ContinuousClock.now - .seconds(2))

    /// Updates the backlog gauges, at most once a second however long a round runs.
    private func reportEverySecond() async {
        let due = lastReport.withLock { last in
            guard ContinuousClock.now - last >= .seconds(1) else { return false }
            last = .now
            return true
        }
        guard due, let backlog = try? await queue.backlog() else { return }
        pending.record(backlog.count)
        oldest.record(backlog.oldest.map { max(0, Date().timeIntervalSince($0)) } ?? 0)
    }
}
