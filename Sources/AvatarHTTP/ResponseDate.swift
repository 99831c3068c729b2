import NIOCore
import NIOHTTP1
import NIOConcurrencyHelpers

/// The one clock of `Date` on every response: `HTTPDate.now()`, stamped on each head as
/// the connection writes it, and written as an encoded line after a replayed head.
enum ResponseDate {
    private static let line = NIOLockedValueBox<(date: String, line: ByteBuffer)>(("", ByteBuffer()))

    static func stamp(_ head: inout HTTPResponseHead) {
        head.headers.replaceOrAdd(name: "Date", value: HTTPDate.now())
    }

    /// `Date: <now>` and the empty line that ends a head, made once per second.
    static func encodedLine() -> ByteBuffer {
        let date = HTTPDate.now()
        if let line = line.withLockedValue({ $0.date == date ? $0.line : nil }) { return line }
        let made = ByteBuffer(string: "Date: \(date)\r\n\r\n")
        line.withLockedValue { $0 = (date, made) }
        return made
    }
}
