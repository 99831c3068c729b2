import NIOCore
import NIOHTTP1

/// The deadlines and head limits of one HTTP/1 connection, as a pure state machine: the
/// channel handler tells it what arrived and what was answered, and asks it when the
/// connection must close. Tested without I/O.
///
/// - A request head must arrive whole within `headerTimeout` of its first byte, however
///   slowly its bytes trickle in.
/// - A request body must keep arriving: at most `bodyTimeout` between two reads.
/// - With no request in progress and none unanswered, the connection may idle for
///   `idleTimeout`.
/// - A peer that stops reading what it is sent may do so for `idleTimeout` too: while it
///   reads nothing, nothing more of it is read either (backpressure).
struct ConnectionGuard {
    /// What the connection is reading.
    enum Reading: Equatable {
        /// Nothing of the next request yet.
        case betweenRequests
        /// Part of a request head, since its first byte.
        case head(since: NIODeadline)
        /// A request body, last read at.
        case body(lastRead: NIODeadline)
    }

    /// A request head over a limit, answered with its status and then closed.
    enum HeadLimit: Equatable {
        case targetTooLong
        case headTooLarge
    }

    let settings: ConnectionSettings
    private(set) var reading = Reading.betweenRequests
    /// Requests read whose responses have not ended.
    private(set) var unanswered = 0
    private var idleSince: NIODeadline
    /// Since when the peer has not taken what was written, if it has not.
    private var stalledSince: NIODeadline?

    /// A new connection owes its first request head within `headerTimeout`, as if its first
    /// byte had come when it opened: a connection that sends nothing holds a place no longer.
    init(settings: ConnectionSettings, now: NIODeadline) {
        self.settings = settings
        idleSince = now
        reading = .head(since: now)
    }

    /// Bytes came in from the peer.
    mutating func bytesArrived(at now: NIODeadline) {
        switch reading {
        case .betweenRequests: reading = .head(since: now)
        case .head: break
        case .body: reading = .body(lastRead: now)
        }
    }

    /// A whole request head was decoded: its response is now owed, whether or not the
    /// server waits for the body (it may answer before reading it, as for a refused upload).
    mutating func headArrived(at now: NIODeadline) {
        reading = .body(lastRead: now)
        unanswered += 1
    }

    /// A request ended.
    mutating func requestEnded() {
        reading = .betweenRequests
    }

    /// A response ended.
    mutating func responseEnded(at now: NIODeadline) {
        unanswered = max(0, unanswered - 1)
        idleSince = now
    }

    /// The channel's writability changed: it is unwritable while the peer does not read.
    mutating func writabilityChanged(writable: Bool, at now: NIODeadline) {
        stalledSince = writable ? nil : (stalledSince ?? now)
    }

    /// When the connection must close if nothing changes; `nil` while the server owes a
    /// response, reads nothing and the peer takes what it is sent (the render deadlines
    /// bound that).
    var deadline: NIODeadline? {
        let stalled = stalledSince.map { $0 + TimeAmount(settings.idleTimeout) }
        let reading: NIODeadline? =
            switch self.reading {
            case .head(let since): since + TimeAmount(settings.headerTimeout)
            case .body(let lastRead): lastRead + TimeAmount(settings.bodyTimeout)
            case .betweenRequests: unanswered == 0 ? idleSince + TimeAmount(settings.idleTimeout) : nil
            }
        guard let stalled else { return reading }
        return min(stalled, reading ?? stalled)
    }

    func isExpired(at now: NIODeadline) -> Bool {
        deadline.map { $0 <= now } ?? false
    }

    /// The limit `head` is over, if any. The head's size is counted as it was sent: the
    /// request line, and each field as `name: value` and its line break.
    func limit(of head: HTTPRequestHead) -> HeadLimit? {
        let target = head.uri.utf8.count
        if target > settings.maxTargetBytes { return .targetTooLong }
        var size = head.method.rawValue.utf8.count + target + 12
        for field in head.headers {
            size += field.name.utf8.count + field.value.utf8.count + 4
            if size > settings.maxHeadBytes { return .headTooLarge }
        }
        return size > settings.maxHeadBytes ? .headTooLarge : nil
    }
}
