import AvatarCore
import AvatarService
import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOConcurrencyHelpers

/// `200` answers the event loop gave, kept encoded by request target so the next request
/// for the target skips parsing, deciding and encoding. A cache of `AnswerDecision`, not
/// a second one: an entry is keyed by the target (which fixes the render request), kept
/// with the record it was decided from and the image it shows, and replayed only while
/// the hash's record is still that one and the render is still in memory; conditional
/// requests are always decided afresh. Bounded by `http.answerCacheBytes`, counting each
/// entry's target and encoded head.
final class AnswerCache: Sendable {
    /// One encoded answer and what it was decided from. A class: a hit takes it out of the
    /// cache with one retain rather than one per field.
    final class Entry: Sendable {
        let hash: AvatarHash
        let record: AvatarRecord?
        let shown: ShownImage
        /// Whether the record might lag when the answer was decided (it caps `s-maxage`).
        let recordsMayLag: Bool
        let route: AnswerRoute
        let contentLength: Int
        /// The status line and header fields as NIO's encoder writes them, up to where the
        /// `Date` line goes.
        let head: ByteBuffer

        init(
            hash: AvatarHash, record: AvatarRecord?, shown: ShownImage, recordsMayLag: Bool, route: AnswerRoute,
            contentLength: Int, head: ByteBuffer
        ) {
            (self.hash, self.record, self.shown, self.recordsMayLag) = (hash, record, shown, recordsMayLag)
            (self.route, self.contentLength, self.head) = (route, contentLength, head)
        }
    }

    /// What an entry costs besides its target and head: the entry, its key and their
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

    /// Keeps `answer`, a `200` decided about `shown` from `record`, for `target`.
    func store(
        _ answer: AvatarAnswer, for target: String, hash: AvatarHash, record: AvatarRecord?, shown: ShownImage,
        recordsMayLag: Bool, route: AnswerRoute
    ) {
        guard answer.status == .ok, let length = answer.body?.readableBytes, entry(for: target) == nil,
            let head = Self.encode(answer.head)
        else { return }
        let entry = Entry(
            hash: hash, record: record, shown: shown, recordsMayLag: recordsMayLag, route: route, contentLength: length,
            head: head)
        let cost = target.utf8.count + head.capacity + Self.entryOverhead
        entries.withLockedValue { $0.add(entry, for: target, cost: cost) }
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
