import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1

/// The one clock of `Date` on every response: stamped on each head as the connection writes
/// it, and written as an encoded line after a replayed head. Made once a second, not per
/// response, and read under one lock.
enum ResponseDate {
    private struct Current {
        var second: Int
        var text: String
        /// `Date: <text>` and the empty line that ends a head.
        var line: ByteBuffer
    }

    private static let current = NIOLockedValueBox(Current(second: -1, text: "", line: ByteBuffer()))

    static func stamp(_ head: inout HTTPResponseHead) {
        head.headers.replaceOrAdd(name: "Date", value: now().text)
    }

    /// `Date: <now>` and the empty line that ends a head.
    static func encodedLine() -> ByteBuffer {
        now().line
    }

    private static func now() -> Current {
        let second = Int(Date().timeIntervalSince1970)
        if let found = current.withLockedValue({ $0.second == second ? $0 : nil }) { return found }
        let text = HTTPDate.format(Date(timeIntervalSince1970: TimeInterval(second)))
        let made = Current(second: second, text: text, line: ByteBuffer(string: "Date: \(text)\r\n\r\n"))
        current.withLockedValue { $0 = made }
        return made
    }
}
