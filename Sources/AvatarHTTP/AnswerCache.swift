import AvatarCore
import AvatarMetadata
import AvatarService
import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOConcurrencyHelpers

/// `200` answers the event loop gave, kept encoded by request target so the next request
/// for the target skips parsing, deciding and encoding. A cache of `AnswerDecision`, not
/// a second one: an entry is keyed by the target (which fixes the render request) and is
/// replayed only while the lease on the record it was decided from holds, the records lag
/// as they did, and its render is at hand; conditional requests are always decided
/// afresh. Each event loop has its own (`EventLoopAnswers.perLoop(for:)`), so a hit shares
/// no lock or entry with another loop. Bounded by its share of `http.answerCacheBytes`,
/// counting each entry's target, encoded head and the body it holds.
final class AnswerCache: Sendable {
    /// One encoded answer and what it was decided from. A class: a hit takes it out of the
    /// cache with one retain rather than one per field.
    final class Entry: Sendable {
        /// Where a replay finds the answer's body.
        enum Body: Sendable {
            /// Held by the entry, whole: a small render, whose lookup in the render cache (a
            /// lock every loop takes, a hash of its key) would cost more than the rest of
            /// the answer.
            case held(HeldAnswer)
            /// Among the renders the render cache keeps in memory: a large one, which the
            /// entry would otherwise keep alive after the render cache let it go, and whose
            /// sending outweighs the lookup.
            case kept(ShownImage, length: Int)
        }

        /// The lease on the record the answer was decided from.
        let lease: RecordLease
        /// Whether the record might lag when the answer was decided (it caps `s-maxage`).
        let recordsMayLag: Bool
        /// The route the answer is counted under in the request metrics.
        let route: AnswerRoute
        /// The status line and header fields as NIO's encoder writes them, up to where the
        /// `Date` line goes: what a `HEAD` is answered with, and a kept body's head.
        let head: ByteBuffer
        /// Where the body is.
        let body: Body

        init(lease: RecordLease, recordsMayLag: Bool, route: AnswerRoute, head: ByteBuffer, body: Body) {
            (self.lease, self.recordsMayLag, self.route, self.head, self.body) = (lease, recordsMayLag, route, head, body)
        }
    }

    /// The largest body an entry holds itself.
    static let largestHeldBody = 16 * 1024

    /// What an entry costs besides its target, head and held answer: the entry, its key and
    /// their bookkeeping, rounded up.
    private static let entryOverhead = 512

    private let entries: NIOLockedValueBox<ByteBudgetFIFO<String, Entry>>

    init(budget: Int) {
        entries = NIOLockedValueBox(ByteBudgetFIFO(budget: budget))
    }

    /// What the entries cost now, in bytes.
    var bytes: Int { entries.withLockedValue { $0.bytes } }

    /// The entry kept for `target`, if any.
    func entry(for target: String) -> Entry? {
        entries.withLockedValue { $0.get(target) }
    }

    /// Keeps `answer`, a `200` showing `shown` decided from the record held under `lease`,
    /// for `target`.
    func store(
        _ answer: AvatarAnswer, showing shown: ShownImage, for target: String, lease: RecordLease, recordsMayLag: Bool,
        route: AnswerRoute
    ) {
        guard answer.status == .ok, let bytes = answer.body, entry(for: target) == nil,
            let head = Self.encode(answer.head)
        else { return }
        let body: Entry.Body
        var cost = target.utf8.count + head.capacity + Self.entryOverhead
        if bytes.readableBytes <= Self.largestHeldBody {
            let held = HeldAnswer(head: head, body: bytes, date: ResponseDate.now())
            // At the capacity allocated, which rounds up; a copy made while the last
            // second's is still being sent has the same.
            cost += held.capacity
            body = .held(held)
        } else {
            body = .kept(shown, length: bytes.readableBytes)
        }
        let entry = Entry(lease: lease, recordsMayLag: recordsMayLag, route: route, head: head, body: body)
        entries.withLockedValue { $0.add(entry, for: target, cost: cost) }
    }

    /// Drops the entry kept for `target`.
    func remove(_ target: String) {
        entries.withLockedValue { $0.remove(target) }
    }

    /// `head` as `HTTPResponseEncoder` writes it, without the empty line that ends it.
    private static func encode(_ head: HTTPResponseHead) -> ByteBuffer? {
        let channel = EmbeddedChannel(handler: HTTPResponseEncoder())
        defer { _ = try? channel.finish() }
        guard (try? channel.writeOutbound(HTTPServerResponsePart.head(head))) != nil,
            case .byteBuffer(var bytes)? = try? channel.readOutbound(as: IOData.self),
            bytes.readableBytes > 4, bytes.getString(at: bytes.writerIndex - 4, length: 4) == "\r\n\r\n"
        else { return nil }
        bytes.moveWriterIndex(to: bytes.writerIndex - 2)
        // A copy of its own size: the encoder's buffer is larger than the head.
        return ByteBuffer(buffer: bytes)
    }
}
