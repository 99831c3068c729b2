import AvatarCore
import AvatarMetadata
import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOConcurrencyHelpers

/// `200` answers the event loop gave, kept encoded by request target so the next request
/// for the target skips parsing, deciding and encoding. A cache of `AnswerDecision`, not
/// a second one: an entry is keyed by the target (which fixes the render request), holds
/// the render it was decided with (a pure function of the request and the record), and
/// is replayed only while the lease on the record it was decided from holds and the
/// records lag as they did; conditional requests are always decided afresh. Each event
/// loop has its own (`EventLoopAnswers.cache(for:)`), so a hit shares no lock or entry
/// with another loop. Bounded by its share of `http.answerCacheBytes`, counting each
/// entry's target, encoded head and body.
final class AnswerCache: Sendable {
    /// One encoded answer and what it was decided from. A class: a hit takes it out of the
    /// cache with one retain rather than one per field.
    final class Entry: Sendable {
        /// The lease on the record the answer was decided from.
        let lease: RecordLease
        /// Whether the record might lag when the answer was decided (it caps `s-maxage`).
        let recordsMayLag: Bool
        let route: AnswerRoute
        /// The status line and header fields as NIO's encoder writes them, up to where the
        /// `Date` line goes.
        let head: ByteBuffer
        let body: ByteBuffer

        init(lease: RecordLease, recordsMayLag: Bool, route: AnswerRoute, head: ByteBuffer, body: ByteBuffer) {
            (self.lease, self.recordsMayLag, self.route, self.head, self.body) = (lease, recordsMayLag, route, head, body)
        }
    }

    /// What an entry costs besides its target, head and body: the entry, its key and their
    /// bookkeeping, rounded up.
    private static let entryOverhead = 512

    private let entries: NIOLockedValueBox<ByteBudgetFIFO<String, Entry>>

    init(budget: Int) {
        entries = NIOLockedValueBox(ByteBudgetFIFO(budget: budget))
    }

    /// What the entries cost now, in bytes.
    var bytes: Int { entries.withLockedValue { $0.bytes } }

    func entry(for target: String) -> Entry? {
        entries.withLockedValue { $0.get(target) }
    }

    /// Keeps `answer`, a `200` decided from the record held under `lease`, for `target`.
    func store(_ answer: AvatarAnswer, for target: String, lease: RecordLease, recordsMayLag: Bool, route: AnswerRoute) {
        guard answer.status == .ok, let body = answer.body, entry(for: target) == nil,
            let head = Self.encode(answer.head)
        else { return }
        let entry = Entry(lease: lease, recordsMayLag: recordsMayLag, route: route, head: head, body: body)
        let cost = target.utf8.count + head.capacity + body.readableBytes + Self.entryOverhead
        // One large render must not push out a great many small ones.
        entries.withLockedValue { $0.add(entry, for: target, cost: cost, largest: $0.budget / 64) }
    }

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
