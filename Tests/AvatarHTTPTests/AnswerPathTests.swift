import AvatarCore
import AvatarTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// The event loop's answers are the router's: for every kind of answer, the event loop's
/// first answer (decided there), its replay (from `AnswerCache`) and the router's
/// (`Connection: keep-alive` sends a request there) have the same status, fields and body.
@Suite struct AnswerPathTests {
    @Test func everyKindOfAnswerIsTheSameOnBothPaths() async throws {
        let server = try LiveServer(["AVATARS_IMAGES_DEFAULT": "mp"])
        try await server.run { client, tokens in
            _ = try await client.upload(try Fixtures.bytes("photo.png"), to: TestHashes.md5, tokens: tokens)
            let port = try #require(client.port)
            let avatar = "/avatar/\(TestHashes.md5.value)?s=64"
            let unknown = "/\(TestHashes.other.value).png?s=40&d=identicon"
            // Warm both renders into memory: rendered, then read back from the cache file.
            for path in [avatar, unknown] {
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
                let routed = try await ask("Connection: keep-alive\r\n")
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
