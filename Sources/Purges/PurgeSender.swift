import AsyncHTTPClient
import AvatarCore
import Foundation
import Logging
import CoreMetrics
import NIOCore
import NIOHTTP1
import ServiceLifecycle

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

    /// Purges claimed per round: a backlog is worked through a round at a time.
    static let claimLimit = 512
    /// How long a claim keeps other nodes off: past every attempt's deadline.
    static let lease = Duration.seconds(15)

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
        var claimed = Self.claimLimit
        while claimed == Self.claimLimit, !Task.isCancelled {
            let now = Date()
            do {
                let due = try await queue.claimDue(
                    at: now, leaseUntil: now.addingTimeInterval(Self.lease.seconds), limit: Self.claimLimit)
                claimed = due.count
                if !due.isEmpty { try await queue.settle(await send(due, at: now)) }
            } catch {
                logger.warning("pending purges could not be read or settled", metadata: ["error": "\(error)"])
                claimed = 0
            }
        }
        await report()
    }

    /// Sends `due` to their targets, all targets at once; returns what becomes of each.
    func send(_ due: [PendingPurge], at now: Date) async -> [PurgeSettlement] {
        var settlements: [PurgeSettlement] = []
        var byTarget: [String: [PendingPurge]] = [:]
        for purge in due {
            if retry.hasExpired(purge.changedAt, at: now) {
                count(kind(of: purge.target), "expired")
                settlements.append(PurgeSettlement(claimed: purge, next: nil))
            } else if targets[purge.target] == nil {
                // Written while a target was configured that no longer is.
                count(kind(of: purge.target), "unconfigured")
                settlements.append(PurgeSettlement(claimed: purge, next: nil))
            } else {
                byTarget[purge.target, default: []].append(purge)
            }
        }
        let requests = byTarget.flatMap { name, purges in
            (targets[name]?.requests(for: purges, webhookSecret: settings.webhookSecret) ?? []).map { (name, $0) }
        }
        await withTaskGroup(of: [PurgeSettlement].self) { group in
            for (name, request) in requests {
                group.addTask { [self] in
                    let kind = kind(of: name)
                    if await attempt(request) {
                        count(kind, "sent", request.purges.count)
                        return request.purges.map { PurgeSettlement(claimed: $0, next: nil) }
                    }
                    count(kind, "failed", request.purges.count)
                    return request.purges.map { PurgeSettlement(claimed: $0, next: retry.afterFailure($0, at: Date())) }
                }
            }
            for await done in group { settlements += done }
        }
        return settlements
    }

    /// One attempt within `settings.attemptTimeout`: whether the target answered 2xx.
    private func attempt(_ request: PurgeRequest) async -> Bool {
        var http = HTTPClientRequest(url: request.url.absoluteString)
        http.method = HTTPMethod(rawValue: request.method)
        for (name, value) in request.headers { http.headers.add(name: name, value: value) }
        if let body = request.body { http.body = .bytes(ByteBuffer(bytes: body)) }
        do {
            let timeout = TimeAmount.nanoseconds(Int64(settings.attemptTimeout.components.seconds) * 1_000_000_000)
            let response = try await client.execute(http, timeout: timeout)
            // The answer's body is not needed, but must be drained for the connection's sake.
            _ = try? await response.body.collect(upTo: 64 * 1024)
            guard (200..<300).contains(response.status.code) else {
                logger.warning(
                    "purge refused", metadata: ["target": "\(request.url)", "status": "\(response.status.code)"])
                return false
            }
            return true
        } catch {
            logger.warning("purge failed", metadata: ["target": "\(request.url)", "error": "\(error)"])
            return false
        }
    }

    /// The metric label of a target name, also for one no longer configured ("varnish …" → "varnish").
    private func kind(of name: String) -> String {
        targets[name]?.kind ?? String(name.prefix { $0 != " " })
    }

    private func count(_ kind: String, _ outcome: String, _ purges: Int = 1) {
        Counter(label: "avatars_purges_total", dimensions: [("target", kind), ("outcome", outcome)], factory: metricsFactory)
            .increment(by: purges)
    }

    private func report() async {
        guard let backlog = try? await queue.backlog() else { return }
        pending.record(backlog.count)
        oldest.record(backlog.oldest.map { max(0, Date().timeIntervalSince($0)) } ?? 0)
    }
}
