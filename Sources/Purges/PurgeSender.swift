import AsyncHTTPClient
import AvatarCore
import Foundation
import Logging
import CoreMetrics
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import NIOConcurrencyHelpers

/// Sends pending purges: at once after a change on this node (`wake()`), and every second
/// whatever any node left due, so a purge whose node stopped is sent by another or after a
/// restart. Claims are leases in the shared store, so each purge goes out from one node.
/// Each target has a lane of its own (its claims, batches and pace), so a slow or dead
/// target delays only its own purges; and never a request.
public final class PurgeSender: Service, Sendable {
    /// One target's purges: claimed and sent one round at a time, when ticked.
    private struct Lane: Sendable {
        let target: PurgeTarget
        let ticks: AsyncStream<Void>
        let tick: AsyncStream<Void>.Continuation
        let limit: Int
        let lease: Duration
    }

    private let queue: any PurgeQueue
    private let lanes: [Lane]
    private let settings: PurgeSettings
    private let retry: PurgeRetry
    private let client: HTTPClient
    private let logger: Logger
    private let metricsFactory: any MetricsFactory
    private let pending: Gauge
    private let oldest: Gauge

    /// Batches of requests (`requestsAtOnce` each) one claim makes at most.
    static let batchesPerClaim = 2

    /// The claim limit and lease of `target`: a claim fills at most `batchesPerClaim` batches
    /// of its requests, so every attempt of a claim ends, by its deadline, within the lease
    /// (with time to settle), and a claim a stopped node held is free again within seconds.
    static func claimSize(for target: PurgeTarget, attemptTimeout: Duration) -> (limit: Int, lease: Duration) {
        (target.keysPerRequest * requestsAtOnce * batchesPerClaim, attemptTimeout * batchesPerClaim + .seconds(3))
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
        var named: Set<String> = []
        lanes = settings.targets.filter { named.insert($0.name).inserted }.map { target in
            // One waiting round is enough however many changes ask for it.
            let (ticks, tick) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
            let (limit, lease) = Self.claimSize(for: target, attemptTimeout: settings.attemptTimeout)
            return Lane(target: target, ticks: ticks, tick: tick, limit: limit, lease: lease)
        }
        retry = PurgeRetry(maxAge: settings.maxAge)
        self.client = client
        self.logger = logger
    }

    /// Asks every target for a round now: a change committed here.
    public func wake() {
        for lane in lanes { lane.tick.yield() }
    }

    public func run() async throws {
        let lanes = lanes
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { [self] in
                    // A round at start-up: what was due when this node stopped goes out now.
                    for lane in lanes { lane.tick.yield() }
                    while (try? await Task.sleep(for: .seconds(1))) != nil {
                        for lane in lanes { lane.tick.yield() }
                        await reportEverySecond()
                    }
                    for lane in lanes { lane.tick.finish() }
                }
                for lane in lanes {
                    group.addTask { [self] in
                        for await _ in lane.ticks { await round(lane) }
                    }
                }
                await group.next()
                group.cancelAll()
            }
        }
    }

    /// One round of every target, side by side.
    func round() async {
        await withTaskGroup(of: Void.self) { group in
            for lane in lanes { group.addTask { [self] in await round(lane) } }
        }
    }

    /// Claims what is due for the lane's target and sends it, until less than a full claim
    /// is due.
    private func round(_ lane: Lane) async {
        var claimed = lane.limit
        while claimed == lane.limit, !Task.isCancelled {
            let now = Date()
            do {
                let claim = try await queue.claimDue(
                    for: [lane.target.name], at: now, leaseUntil: now.addingTimeInterval(lane.lease.seconds),
                    limit: lane.limit, expiredBefore: now.addingTimeInterval(-settings.maxAge.seconds))
                claimed = claim.due.count
                for name in claim.expired { count(kind(of: name), "expired") }
                if !claim.due.isEmpty {
                    let settlements = await send(claim.due, to: lane.target, lease: lane.lease)
                    // Settled even when the sender is stopping: else what was sent goes out again.
                    try await Task { [queue] in try await queue.settle(settlements) }.value
                }
            } catch {
                logger.warning("pending purges could not be read or settled", metadata: ["error": "\(error)"])
                claimed = 0
            }
        }
    }

    /// Sends `due` to `target`, a few requests at a time; returns what becomes of each.
    func send(_ due: [PendingPurge], to target: PurgeTarget, lease: Duration) async -> [PurgeSettlement] {
        let requests = target.requests(for: due, webhookSecret: settings.webhookSecret)
        var settlements: [PurgeSettlement] = []
        for start in stride(from: 0, to: requests.count, by: Self.requestsAtOnce) {
            settlements += await withTaskGroup(of: [PurgeSettlement].self) { batch in
                for request in requests[start..<min(start + Self.requestsAtOnce, requests.count)] {
                    batch.addTask { await self.settlements(of: request, to: target, lease: lease) }
                }
                return await batch.reduce(into: []) { $0 += $1 }
            }
        }
        return settlements
    }

    /// Requests one target gets at a time: within its client's connections per host.
    static let requestsAtOnce = 4

    private func settlements(of request: PurgeRequest, to target: PurgeTarget, lease: Duration) async
        -> [PurgeSettlement]
    {
        if await attempt(request, to: target, lease: lease) {
            count(target.kind, "sent", request.purges.count)
            return request.purges.map { PurgeSettlement(claimed: $0, next: nil) }
        }
        count(target.kind, "failed", request.purges.count)
        return request.purges.map { PurgeSettlement(claimed: $0, next: retry.afterFailure($0, at: Date())) }
    }

    /// One attempt, answer and body within `settings.attemptTimeout`: whether it was 2xx.
    private func attempt(_ request: PurgeRequest, to target: PurgeTarget, lease: Duration) async -> Bool {
        var http = HTTPClientRequest(url: request.url.absoluteString)
        http.method = HTTPMethod(rawValue: request.method)
        for (name, value) in request.headers { http.headers.add(name: name, value: value) }
        if let body = request.body { http.body = .bytes(ByteBuffer(bytes: body)) }
        let (client, timeout, prepared) = (client, settings.attemptTimeout, http)
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
        lanes.first { $0.target.name == name }?.target.kind ?? String(name.prefix { $0 != " " })
    }

    private func count(_ kind: String, _ outcome: String, _ purges: Int = 1) {
        Counter(label: "avatars_purges_total", dimensions: [("target", kind), ("outcome", outcome)], factory: metricsFactory)
            .increment(by: purges)
    }

    private let lastReport = NIOLockedValueBox(ContinuousClock.now - .seconds(2))

    /// Updates the backlog gauges, at most once a second however long a round runs.
    private func reportEverySecond() async {
        let due = lastReport.withLockedValue { last in
            guard ContinuousClock.now - last >= .seconds(1) else { return false }
            last = .now
            return true
        }
        guard due, let backlog = try? await queue.backlog() else { return }
        pending.record(backlog.count)
        oldest.record(backlog.oldest.map { max(0, Date().timeIntervalSince($0)) } ?? 0)
    }
}
