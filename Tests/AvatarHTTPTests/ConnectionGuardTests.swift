import NIOCore
import NIOHTTP1
import Testing

@testable import AvatarHTTP

/// The connection's deadlines and head limits, without I/O.
@Suite struct ConnectionGuardTests {
    let start = NIODeadline.uptimeNanoseconds(1_000_000_000_000)
    let settings = ConnectionSettings()

    func at(_ seconds: Int64) -> NIODeadline { start + .seconds(seconds) }

    @Test func aHeadTricklingInIsClosedAtItsDeadlineFromTheFirstByte() {
        var connection = ConnectionGuard(settings: settings, now: start)
        for second in 1...9 { connection.bytesArrived(at: at(Int64(second))) }
        #expect(!connection.isExpired(at: at(9)))
        #expect(connection.isExpired(at: at(10)), "a byte a second does not extend the first head's deadline")
        // On a kept-alive connection, the next head's deadline runs from its first byte.
        connection.headArrived(at: at(9))
        connection.requestEnded()
        connection.responseEnded(at: at(9))
        connection.bytesArrived(at: at(20))
        for second in 21...29 { connection.bytesArrived(at: at(Int64(second))) }
        #expect(!connection.isExpired(at: at(29)) && connection.isExpired(at: at(30)))
    }

    @Test func anIdleConnectionClosesAfterTheIdleTimeoutAndNotWhileAnswerIsOwed() {
        var connection = ConnectionGuard(settings: settings, now: start)
        #expect(connection.deadline == at(10), "a new connection owes its first head")
        connection.bytesArrived(at: at(1))
        connection.headArrived(at: at(1))
        connection.requestEnded()
        #expect(connection.deadline == nil, "the server owes an answer")
        connection.responseEnded(at: at(100))
        #expect(connection.deadline == at(175))
        #expect(connection.isExpired(at: at(175)) && !connection.isExpired(at: at(174)))
    }

    @Test func aBodyMustKeepArriving() {
        var connection = ConnectionGuard(settings: settings, now: start)
        connection.bytesArrived(at: at(0))
        connection.headArrived(at: at(0))
        connection.bytesArrived(at: at(29))
        #expect(connection.deadline == at(59))
        connection.requestEnded()
        #expect(connection.unanswered == 1 && connection.deadline == nil)
    }

    /// A refused upload is answered before its body is read: once the body has ended, the
    /// connection idles as any other.
    @Test func anAnswerBeforeTheBodyEndsLeavesNothingOwed() {
        var connection = ConnectionGuard(settings: settings, now: start)
        connection.bytesArrived(at: at(0))
        connection.headArrived(at: at(0))
        connection.responseEnded(at: at(1))
        #expect(connection.deadline == at(30), "the body must still keep arriving")
        connection.bytesArrived(at: at(2))
        connection.requestEnded()
        #expect(connection.unanswered == 0 && connection.deadline == at(76))
    }

    @Test func aPeerThatStopsReadingIsClosedAfterTheIdleTimeout() {
        var connection = ConnectionGuard(settings: settings, now: start)
        connection.bytesArrived(at: at(0))
        connection.headArrived(at: at(0))
        connection.requestEnded()
        connection.writabilityChanged(writable: false, at: at(1))
        #expect(connection.deadline == at(76), "an answer is owed, but the peer reads nothing")
        connection.writabilityChanged(writable: false, at: at(50))
        #expect(connection.deadline == at(76))
        connection.writabilityChanged(writable: true, at: at(60))
        #expect(connection.deadline == nil)
    }

    @Test func headLimits() {
        let connection = ConnectionGuard(settings: settings, now: start)
        func head(target: Int, field: Int = 0) -> HTTPRequestHead {
            var headers: HTTPHeaders = ["Host": "t"]
            if field > 0 { headers.add(name: "X-Pad", value: String(repeating: "a", count: field)) }
            return HTTPRequestHead(
                version: .http1_1, method: .GET, uri: "/" + String(repeating: "a", count: target - 1), headers: headers)
        }
        #expect(connection.limit(of: head(target: 8 * 1024)) == nil)
        #expect(connection.limit(of: head(target: 8 * 1024 + 1)) == .targetTooLong)
        #expect(connection.limit(of: head(target: 10, field: 15 * 1024)) == nil)
        #expect(connection.limit(of: head(target: 10, field: 16 * 1024)) == .headTooLarge)
    }
}
