import AvatarCore
import AvatarTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// The connection guards on a live server with short deadlines. Its timings want the
/// machine to itself: `scripts/test` runs it alone, after the other tests.
@Suite struct ConnectionGuardLiveTests {
    let server: LiveServer

    init() throws {
        server = try LiveServer([
            "AVATARS_HTTP_HEADER_TIMEOUT_SECONDS": "2", "AVATARS_HTTP_IDLE_TIMEOUT_SECONDS": "3",
            "AVATARS_HTTP_BODY_TIMEOUT_SECONDS": "2", "AVATARS_HTTP_MAX_CONNECTIONS": "8",
        ])
    }

    @Test func aHeadSentAByteASecondIsClosedAtTheHeaderDeadline() async throws {
        try await server.run { client, _ in
            let port = try #require(client.port)
            let closedAfter = try await RawConnection.run {
                let connection = try RawConnection(port: port)
                let start = Date()
                for byte in "GET /\(TestHashes.md5.value) HTTP/1.1\r\nHost: t\r\n" {
                    guard connection.send(String(byte)) else { break }
                    if connection.receive(for: 0.5).closed { return Date().timeIntervalSince(start) }
                }
                return connection.receive(for: 9).closed ? Date().timeIntervalSince(start) : -1
            }
            #expect(closedAfter >= 1.5 && closedAfter < 8, "closed \(closedAfter) s after the first byte")
        }
    }

    @Test func anIdleConnectionIsClosedAndABusyOneIsNot() async throws {
        try await server.run { client, _ in
            let port = try #require(client.port)
            let (idleClosed, busyAnswers) = try await RawConnection.run {
                let idle = try RawConnection(port: port)
                let busy = try RawConnection(port: port)
                var answers = 0
                for _ in 0..<5 {
                    busy.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
                    if busy.receiveAnswer(within: 5).hasPrefix("HTTP/1.1 200") { answers += 1 }
                    Thread.sleep(forTimeInterval: 1)
                }
                return (idle.receive(for: 0.1).closed, answers)
            }
            // The idle one got past its 3 s within the busy one's 5 s of requests.
            #expect(busyAnswers == 5)
            #expect(idleClosed)
        }
    }

    @Test func aStalledBodyIsClosedAtTheBodyDeadline() async throws {
        try await server.run { client, tokens in
            let port = try #require(client.port)
            let token = try await tokens.token(for: TestHashes.md5, ttl: 60)
            let closedAfter = try await RawConnection.run {
                let connection = try RawConnection(port: port)
                connection.send(
                    "PUT /\(TestHashes.md5.value) HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer \(token)\r\n"
                        + "Content-Length: 100000\r\n\r\nsome bytes")
                let start = Date()
                return connection.receive(for: 9).closed ? Date().timeIntervalSince(start) : -1
            }
            #expect(closedAfter >= 1.5 && closedAfter < 8, "closed \(closedAfter) s into a stalled body")
        }
    }

    @Test func longTargetsAre414AndLongHeadsAre431() async throws {
        try await server.run { client, _ in
            let port = try #require(client.port)
            for (head, status) in [
                ("GET /\(String(repeating: "a", count: 9000)) HTTP/1.1\r\nHost: t\r\n\r\n", "414"),
                ("GET /\(String(repeating: "a", count: 100_000)) HTTP/1.1\r\nHost: t\r\n\r\n", "414"),
                ("GET / HTTP/1.1\r\nHost: t\r\nX-Pad: \(String(repeating: "a", count: 17_000))\r\n\r\n", "431"),
                ("GET / HTTP/1.1\r\nHost: t\r\nX-Pad: \(String(repeating: "a", count: 100_000))\r\n\r\n", "431"),
            ] {
                let (text, closed) = try await RawConnection.run {
                    let connection = try RawConnection(port: port)
                    connection.send(head)
                    return connection.receive(for: 3)
                }
                #expect(text.hasPrefix("HTTP/1.1 \(status)"), "\(text.prefix(60))")
                #expect(closed && text.contains("Connection: close"))
            }
            let health = try await RawHTTP.exchange(port: port, head: "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n", body: [])
            #expect(health.hasPrefix("HTTP/1.1 200"))
        }
    }

    @Test func pastMaxConnectionsNewOnesAreClosedAndOpenOnesServed() async throws {
        try await server.run { client, _ in
            let port = try #require(client.port)
            let (extraClosed, openServed) = try await RawConnection.run {
                // The test client may hold connections of its own: fill what is left, each
                // with a request answered, so no header deadline closes it meanwhile.
                var open: [RawConnection] = []
                var extraClosed = false
                for _ in 0..<12 {
                    let connection = try RawConnection(port: port)
                    connection.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
                    let text = connection.receiveAnswer(within: 2)
                    if text.isEmpty {
                        extraClosed = true
                        break
                    }
                    open.append(connection)
                }
                // The newest: on a busy machine filling can take long enough for the idle
                // deadline to close the first ones, as it should.
                guard let newest = open.last else { return (extraClosed, false) }
                newest.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
                return (extraClosed, newest.receiveAnswer(within: 5).hasPrefix("HTTP/1.1 200"))
            }
            #expect(extraClosed && openServed)
        }
    }

    /// A client that pipelines requests and never reads: the server stops reading them
    /// once its answers back up, so the kernel's buffers fill and sends stop being taken.
    @Test func aPeerThatDoesNotReadStopsBeingRead() async throws {
        // The default deadlines: this is about backpressure, and the test client must not be
        // closed as idle while a slow (sanitized) build uploads.
        try await LiveServer().run { client, tokens in
            _ = try await client.upload(try Fixtures.bytes("photo.png"), to: TestHashes.md5, tokens: tokens)
            let path = "/\(TestHashes.md5.value)?s=512"
            for _ in 0..<3 { _ = try await client.get(path) }
            let port = try #require(client.port)
            // Padded, so that a server reading on regardless would take many bytes a second.
            let padding = String(repeating: "p", count: 4000)
            let request = Array("GET \(path) HTTP/1.1\r\nHost: t\r\nX-Pad: \(padding)\r\n\r\n".utf8)
            let batch = Array([[UInt8]](repeating: request, count: 250).joined())
            let taken = try await RawConnection.run {
                let connection = try RawConnection(port: port)
                var taken = 0
                let deadline = Date().addingTimeInterval(5)
                // Without backpressure this would take all 400 MiB of requests (and the
                // server would queue answers for every one of them).
                while taken < 400 << 20, Date() < deadline {
                    let sent = connection.sendWithoutWaiting(batch)
                    if sent > 0 { taken += sent } else { Thread.sleep(forTimeInterval: 0.02) }
                }
                return taken
            }
            #expect(taken < 64 << 20, "the server read \(taken) bytes of requests from a peer that reads nothing")
            #expect(try await client.get("/healthz").status == .ok)
        }
    }
}
