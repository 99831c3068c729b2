import AvatarCore
import AvatarMetadata
import AvatarService
import Foundation
import HTTPTypes
import HummingbirdCore
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// Which avatar route a target names, for the request metrics' labels.
package enum AnswerRoute: String, Sendable {
    case plain = "/{name}"
    case gravatar = "/avatar/{name}"

    /// The route a request path takes and its `{name}` segment, as the router matches them;
    /// `nil` for a path neither route takes.
    package static func match(_ path: String) -> (AnswerRoute, Substring)? {
        let (route, name): (AnswerRoute, Substring) =
            path.hasPrefix("/avatar/") ? (.gravatar, path.dropFirst("/avatar/".count)) : (.plain, path.dropFirst())
        guard !name.isEmpty, !name.utf8.contains(UInt8(ascii: "/")) else { return nil }
        return (route, name)
    }
}

/// Answers avatar GETs and HEADs on the event loop when everything the answer needs is in
/// memory: the hash's record in the metadata cache and, when the answer has a body, the
/// render among the renders kept in memory. The answer comes from `AnswerDecision`, as
/// the router's does; this only looks up its inputs without waiting, and hands the
/// request on (returns `nil`) when any needs I/O. `200`s are kept encoded in the loop's
/// `AnswerCache`, a cache of that decision.
final class EventLoopAnswers: Sendable {
    /// What the connection writes.
    enum Replay {
        /// A decided answer, written as parts through NIO's encoder.
        case decided(AvatarAnswer)
        /// A head encoded before (up to its `Date` line) and the body, written below the encoder.
        case encoded(head: ByteBuffer, body: ByteBuffer?)
        /// A whole answer encoded before, `Date` included, written below the encoder.
        case wire(ByteBuffer)
    }

    let service: AvatarService
    let decision: AnswerDecision
    let settings: HTTPSettings
    let metrics: RequestMetrics
    /// What the connections of one event loop share, so that an answer given there touches
    /// nothing another loop writes: its answer cache (with an equal share of
    /// `http.answerCacheBytes`) and its batch of request metrics.
    struct PerLoop: Sendable {
        /// The loop's encoded answers.
        let cache: AnswerCache
        /// The loop's answers not yet handed on to the request metrics.
        let metrics: RequestMetrics.Batch
    }

    /// As many as the loops of the server's group (NIO's singleton group, which Hummingbird
    /// serves on by default); a loop beyond those (another group's, in tests) shares one,
    /// which their locks allow.
    private let perLoop: [PerLoop]
    private let assigned = NIOLockedValueBox<[ObjectIdentifier: PerLoop]>([:])

    init(
        service: AvatarService, decision: AnswerDecision, settings: HTTPSettings, metrics: RequestMetrics,
        loops: Int = NIOSingletons.groupLoopCountSuggestion
    ) {
        self.service = service
        self.decision = decision
        self.settings = settings
        self.metrics = metrics
        let loops = max(1, loops)
        perLoop = (0..<loops).map { _ in
            PerLoop(cache: AnswerCache(budget: settings.answerCacheBytes / loops), metrics: metrics.makeBatch())
        }
    }

    /// What the connections of `loop` share, for each of them to keep.
    func perLoop(for loop: any EventLoop) -> PerLoop {
        assigned.withLockedValue { assigned in
            let key = ObjectIdentifier(loop)
            if let found = assigned[key] { return found }
            let next = perLoop[assigned.count % perLoop.count]
            assigned[key] = next
            return next
        }
    }

    /// The answer to `head` when it can be given without waiting, else `nil`; a replay
    /// (`.encoded`, `.wire`) only when `canReplayEncoded`. `cache` is the calling loop's.
    func answer(
        _ head: HTTPRequestHead, cache: AnswerCache, canReplayEncoded: Bool
    ) -> (replay: Replay, status: Int, route: AnswerRoute)? {
        guard head.method == .GET || head.method == .HEAD,
            // Closing connections (`Connection: close`, HTTP/1.0) stays with the router; so do
            // absolute-form targets, which the router sees as their path. `keep-alive`, which
            // proxies send to origins, changes nothing in HTTP/1.1.
            head.version == .http1_1, head.uri.utf8.first == UInt8(ascii: "/"),
            !head.headers.contains(name: "connection")
                || head.headers["connection"].allSatisfy({ $0.lowercased() == "keep-alive" })
        else { return nil }
        // Most requests carry no condition: skip building one (it copies header values).
        let conditional = head.headers.contains(name: "if-none-match") || head.headers.contains(name: "if-modified-since")
        let conditions = conditional ? ConditionalRequest(head.headers) : ConditionalRequest()
        let isHead = head.method == .HEAD
        if canReplayEncoded, conditions.isEmpty, let replayed = replay(head.uri, isHead: isHead, from: cache) {
            return replayed
        }

        let uri = URI(head.uri)
        let laggedBefore = service.recordsMayLag
        guard let (route, name) = AnswerRoute.match(uri.path),
            let request = try? RenderRequest(
                name: name, query: uri.queryParameters, accept: settings.negotiate ? head.headers["accept"] : [],
                settings: settings),
            let held = service.heldRecord(for: request.hash)
        else { return nil }
        // As the router does: a record read while changes were not followed lags.
        let recordsMayLag = laggedBefore || service.recordsMayLag
        let question = AvatarQuestion(request: request, isHead: isHead, conditions: conditions)
        let shown = service.shown(request, record: held.record)
        var outcome = decision.decide(question, shown: shown, rendered: nil, recordsMayLag: recordsMayLag)
        if outcome == .needsRender {
            guard let rendered = service.renderInMemory(shown) else { return nil }
            outcome = decision.decide(question, shown: shown, rendered: rendered, recordsMayLag: recordsMayLag)
        }
        guard case .answer(let answer) = outcome else { return nil }
        // Answers that vary by `Accept` are not kept: entries are found by target alone. Nor
        // is one whose lease has already ended (its copy of the record is being read again).
        if conditions.isEmpty, !isHead, answer.fields[.vary] == nil, service.holds(held.lease) {
            cache.store(
                answer, showing: shown, for: head.uri, lease: held.lease, recordsMayLag: recordsMayLag, route: route)
        }
        return (.decided(answer), Int(answer.status.code), route)
    }

    /// The `200` `cache` keeps for `target`, while the lease on the record it was decided
    /// from holds, the records lag as they did then, and its render is at hand.
    private func replay(
        _ target: String, isHead: Bool, from cache: AnswerCache
    ) -> (replay: Replay, status: Int, route: AnswerRoute)? {
        guard let entry = cache.entry(for: target) else { return nil }
        let laggedBefore = service.recordsMayLag
        guard service.holds(entry.lease), (laggedBefore || service.recordsMayLag) == entry.recordsMayLag else {
            return forget(target, in: cache)
        }
        switch entry.body {
        case .held(let held):
            if isHead { return (.encoded(head: entry.head, body: nil), 200, entry.route) }
            return (.wire(held.wire(at: ResponseDate.now())), 200, entry.route)
        case .kept(let shown, let length):
            guard let rendered = service.renderInMemory(shown), rendered.bytes.readableBytes == length else {
                return forget(target, in: cache)
            }
            return (.encoded(head: entry.head, body: isHead ? nil : rendered.bytes), 200, entry.route)
        }
    }

    /// Drops what `cache` keeps for `target`, which is then decided afresh, and kept anew,
    /// from what holds now.
    private func forget(_ target: String, in cache: AnswerCache) -> (replay: Replay, status: Int, route: AnswerRoute)? {
        cache.remove(target)
        return nil
    }
}
