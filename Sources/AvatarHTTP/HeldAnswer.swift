import NIOConcurrencyHelpers
import NIOCore

/// A small answer held whole by its `AnswerCache` entry: the encoded head, the `Date` line of
/// one second and the body, as one buffer in storage of its own, so that a hit writes one
/// buffer that it neither copies nor shares with another event loop. The `Date` line is
/// made again in the first answer of each second.
final class HeldAnswer: Sendable {
    private struct Dated {
        /// The second of the `Date` line in `wire`.
        var second: Int
        /// Where the `Date` line ends in `wire`, and the body begins.
        var bodyStart: Int
        var wire: ByteBuffer
    }

    /// How long the head is, up to where the `Date` line goes.
    private let headLength: Int
    private let dated: NIOLockedValueBox<Dated>

    /// `head` (up to where the `Date` line goes) and `body`, sent from `date`'s second.
    init(head: ByteBuffer, body: ByteBuffer, date: ResponseDate.Current) {
        var wire = ByteBuffer()
        wire.reserveCapacity(head.readableBytes + date.line.readableBytes + body.readableBytes)
        wire.writeImmutableBuffer(head)
        wire.writeImmutableBuffer(date.line)
        wire.writeImmutableBuffer(body)
        headLength = head.readableBytes
        dated = NIOLockedValueBox(
            Dated(second: date.second, bodyStart: head.readableBytes + date.line.readableBytes, wire: wire))
    }

    /// The bytes the answer holds, counted against the cache's budget.
    var capacity: Int { dated.withLockedValue { $0.wire.capacity } }

    /// The whole answer, with `date`'s line.
    func wire(at date: ResponseDate.Current) -> ByteBuffer {
        dated.withLockedValue { dated in
            guard dated.second != date.second else { return dated.wire }
            let lineLength = date.line.readableBytes
            if lineLength == dated.bodyStart - headLength {
                // Overwritten where it lies. While the last second's is still being sent, the
                // buffer copies itself first (ByteBuffer is copy on write).
                dated.wire.setBuffer(date.line, at: dated.wire.readerIndex + headLength)
            } else {
                let view = dated.wire.readableBytesView
                var wire = ByteBuffer()
                wire.reserveCapacity(dated.wire.readableBytes - (dated.bodyStart - headLength) + lineLength)
                wire.writeBytes(view.prefix(headLength))
                wire.writeImmutableBuffer(date.line)
                wire.writeBytes(view.dropFirst(dated.bodyStart))
                (dated.wire, dated.bodyStart) = (wire, headLength + lineLength)
            }
            dated.second = date.second
            return dated.wire
        }
    }
}
