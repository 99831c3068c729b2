import AvatarCore
import NIOCore
import NIOEmbedded
import NIOHTTP1
import RenderPipeline
import Synchronization

/// Response heads of cache hits, encoded once by NIO's own HTTP/1 encoder and kept by
/// request target, so that a repeated hit skips parsing, planning, header building and
/// encoding (measured: most of a hit's own work). An entry answers only while the avatar's
/// record is the one it was made from and its render keeps its length; the `Date` line is
/// made once a second. Bounded: past `capacity` targets, the older generation goes.
final class EncodedResponseHeads: Sendable {
    struct Entry: Sendable {
        let hash: AvatarHash
        let record: AvatarRecord
        let parameters: RenderParameters
        let route: String
        let contentLength: Int
        /// The encoded status line and headers, up to where the `Date` line goes.
        let head: ByteBuffer
    }

    private struct Generations {
        var current: [String: Entry] = [:]
        var previous: [String: Entry] = [:]
    }

    private let capacity: Int
    private let generations = Mutex(Generations())
    private let dateLine = Mutex<(date: String, line: ByteBuffer)>(("", ByteBuffer()))

    init(capacity: Int) {
        self.capacity = capacity
    }

    func entry(for target: String) -> Entry? {
        generations.withLock { generations in
            if let entry = generations.current[target] { return entry }
            guard let entry = generations.previous.removeValue(forKey: target) else { return nil }
            insert(entry, for: target, into: &generations)
            return entry
        }
    }

    /// Keeps `head` (which must carry no `Date`) for `target`.
    func store(
        _ head: HTTPResponseHead, for target: String, hash: AvatarHash, record: AvatarRecord,
        parameters: RenderParameters, route: String, contentLength: Int
    ) {
        guard let encoded = Self.encode(head) else { return }
        let entry = Entry(
            hash: hash, record: record, parameters: parameters, route: route, contentLength: contentLength,
            head: encoded)
        generations.withLock { insert(entry, for: target, into: &$0) }
    }

    /// `Date: <now>` and the empty line that ends the head, made once per `HTTPDate.now()`.
    func dateAndEnd() -> ByteBuffer {
        let date = HTTPDate.now()
        if let line = dateLine.withLock({ $0.date == date ? $0.line : nil }) { return line }
        let line = ByteBuffer(string: "Date: \(date)\r\n\r\n")
        dateLine.withLock { $0 = (date, line) }
        return line
    }

    private func insert(_ entry: Entry, for target: String, into generations: inout Generations) {
        if generations.current.count >= capacity {
            generations.previous = generations.current
            generations.current = [:]
        }
        generations.current[target] = entry
    }

    /// `head` as `HTTPResponseEncoder` writes it, without the final empty line.
    private static func encode(_ head: HTTPResponseHead) -> ByteBuffer? {
        let channel = EmbeddedChannel(handler: HTTPResponseEncoder())
        defer { _ = try? channel.finish() }
        guard (try? channel.writeOutbound(HTTPServerResponsePart.head(head))) != nil,
            case .byteBuffer(var bytes)? = try? channel.readOutbound(as: IOData.self),
            bytes.readableBytes > 4, bytes.getString(at: bytes.writerIndex - 4, length: 4) == "\r\n\r\n"
        else { return nil }
        bytes.moveWriterIndex(to: bytes.writerIndex - 2)
        return bytes
    }
}
