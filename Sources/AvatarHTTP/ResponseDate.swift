import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// The one clock of `Date` on every response: stamped on each head as the connection writes
/// it, and written as an encoded line after a replayed head. Made once a second per thread
/// (in practice, per event loop), so that stamping shares nothing between threads.
enum ResponseDate {
    /// The `Date` of one second.
    final class Current: Sendable {
        /// Seconds since 1970.
        let second: Int
        /// The HTTP date of `second`, the value of a `Date` field.
        let text: String
        /// `Date: <text>` and the empty line that ends a head.
        let line: ByteBuffer

        /// The `Date` of `second` (seconds since 1970).
        init(second: Int) {
            self.second = second
            text = HTTPDate.format(Date(timeIntervalSince1970: TimeInterval(second)))
            line = ByteBuffer(string: "Date: \(text)\r\n\r\n")
        }
    }

    /// Each thread's `Date` of the last second it asked in.
    private static let current = ThreadSpecificVariable<Current>()

    /// Sets `head`'s `Date` to now.
    static func stamp(_ head: inout HTTPResponseHead) {
        head.headers.replaceOrAdd(name: "Date", value: now().text)
    }

    /// `Date: <now>` and the empty line that ends a head.
    static func encodedLine() -> ByteBuffer {
        now().line
    }

    /// The `Date` of this second.
    static func now() -> Current {
        let second = Int(Date().timeIntervalSince1970)
        if let found = current.currentValue, found.second == second { return found }
        let made = Current(second: second)
        current.currentValue = made
        return made
    }
}
