import AvatarCore
import AvatarTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// The event loop's answers are the router's: for every kind of answer, the event loop's
/// first answer (decided there), its replay (from `AnswerCache`) and the router's
/// (`Connection: close` sends a request there) have the same status, fields and body.
@Suite struct AnswerPathTests {
    @Test func everyKindOfAnswerIsTheSameOnBothPaths() async throws {
        let server = try LiveServer(["AVATARS_IMAGES_DEFAULT": "mp"])
        try await server.run { client, tokens in
            _ = try await client.upload(try Fixtures.bytes("photo.png"), to: TestHashes.md5, tokens: tokens)
            let port = try #require(client.port)
            let avatar = "/avatar/\(TestHashes.md5.value)?s=64"
            let unknown = "/\(TestHashes.other.value).png?s=40&d=identicon"
            // Warm both renders into memory: rendered, then read back from the cache file (a
            // default for an unknown hash is cached only when asked for again: one more).
            for path in [avatar, unknown, unknown] {
                _ = try await client.get(path)
                _ = try await client.get(path)
            }
            let etag = try #require(try await client.get(avatar).headers[.eTag])
            let cases: [(method: String, path: String, extra: String, status: String)] = [
                ("GET", avatar, "", "200"),
                ("HEAD", avatar, "", "200"),
                ("GET", avatar, "If-None-Match: \(etag)\r\n", "304"),
                ("GET", unknown, "", "200"),
                ("HEAD", unknown, "", "200"),
                ("GET", "/\(TestHashes.other.value)?d=404", "", "404"),
                ("GET", "/\(TestHashes.other.value)?d=https%3A%2F%2Fexample.com%2Fa.png", "", "302"),
            ]
            for (method, path, extra, status) in cases {
                func ask(_ header: String) async throws -> RawAnswer {
                    RawAnswer(
                        try await RawHTTP.exchange(
                            port: port, head: "\(method) \(path) HTTP/1.1\r\nHost: t\r\n\(extra)\(header)\r\n", body: []))
                }
                let before = try await answers(client)
                let decided = try await ask("")
                let replayed = try await ask("")
                let afterEventLoop = try await answers(client)
                let routed = try await ask("Connection: close\r\n")
                let afterRouter = try await answers(client)
                let label = "\(method) \(path) \(extra)"
                #expect(decided.status == status, "\(label)")
                #expect(afterEventLoop.eventLoop == before.eventLoop + 2, "\(label): answered on the event loop")
                #expect(afterRouter.router == afterEventLoop.router + 1, "\(label): answered by the router")
                for answer in [decided, replayed] {
                    #expect(answer.status == routed.status && answer.fields == routed.fields, "\(label)")
                    #expect(answer.body == routed.body && answer.dates.count == 1, "\(label)")
                }
            }
        }
    }

    /// Answers replayed below NIO's encoder, answers decided on the event loop and the
    /// router's, HEADs among them, pipelined on one connection: each is framed as its
    /// request expects, so the stream splits into exactly those answers.
    @Test func pipelinedAnswersOfBothPathsKeepTheirFraming() async throws {
        let server = try LiveServer()
        try await server.run { client, tokens in
            _ = try await client.upload(try Fixtures.bytes("photo.png"), to: TestHashes.md5, tokens: tokens)
            let port = try #require(client.port)
            let path = "/\(TestHashes.md5.value)?s=48"
            for _ in 0..<3 { _ = try await client.get(path) }
            let requests: [(method: String, path: String, status: String)] = [
                ("GET", path, "200"), ("HEAD", path, "200"), ("GET", path, "200"),
                ("GET", "/\(TestHashes.md5.value)?s=49", "200"), ("HEAD", path, "200"),
                ("GET", "/\(TestHashes.other.value)", "404"), ("HEAD", path, "200"), ("GET", path, "200"),
            ]
            let stream = requests.map { "\($0.method) \($0.path) HTTP/1.1\r\nHost: t\r\n\r\n" }.joined()
                + "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
            let (received, closed) = try await RawConnection.run {
                let connection = try RawConnection(port: port)
                connection.send(stream)
                return connection.receiveBytes(for: 5)
            }
            #expect(closed)
            // Bodies are binary: the stream is split in bytes, by each head's Content-Length.
            var rest = received[...]
            for request in requests + [("GET", "/healthz", "200")] {
                guard let end = rest.firstRange(of: Array("\r\n\r\n".utf8)) else {
                    Issue.record("the stream ended before the answer to \(request)")
                    return
                }
                let head = String(decoding: rest[..<end.lowerBound], as: UTF8.self)
                #expect(head.hasPrefix("HTTP/1.1 \(request.status)"), "\(request): \(head.prefix(40))")
                let length = RawHTTP.contentLength(of: head) ?? 0
                let bodyLength = request.method == "HEAD" ? 0 : length
                guard rest.count - (end.upperBound - rest.startIndex) >= bodyLength else {
                    Issue.record("the answer to \(request) is shorter than its Content-Length")
                    return
                }
                rest = rest[(end.upperBound + bodyLength)...]
            }
            #expect(rest.isEmpty, "\(rest.count) bytes after the last answer")
        }
    }

    private func answers(_ client: any TestClientProtocol) async throws -> (eventLoop: Double, router: Double) {
        (
            try await metricValue(#"avatars_answers_total{path="event_loop"}"#, in: client) ?? 0,
            try await metricValue(#"avatars_answers_total{path="router"}"#, in: client) ?? 0
        )
    }
}

/// One raw HTTP/1.1 answer: status, header lines but `Date` and `Connection`, its `Date`
/// values and its body.
struct RawAnswer {
    let status: String
    let fields: Set<String>
    let dates: [String]
    let body: Substring

    init(_ text: String) {
        let split = text.range(of: "\r\n\r\n") ?? text.endIndex..<text.endIndex
        let lines = text[..<split.lowerBound].split(separator: "\r\n").map(String.init)
        status = String(lines.first?.dropFirst("HTTP/1.1 ".count).prefix(3) ?? "")
        fields = Set(lines.dropFirst().filter { !$0.hasPrefix("Date:") && !$0.hasPrefix("Connection:") })
        dates = lines.filter { $0.hasPrefix("Date: ") }.map { String($0.dropFirst("Date: ".count)) }
        body = text[split.upperBound...]
    }
}
