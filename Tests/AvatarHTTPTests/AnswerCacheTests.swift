import AvatarCore
import AvatarService
import Foundation
import HTTPTypes
import NIOCore
import RenderPipeline
import Testing

@testable import AvatarHTTP
@testable import AvatarMetadata

@Suite struct AnswerCacheTests {
    let lease = RecordLease(stripe: 0, stripeChanges: 0, allChanges: 0, until: .now + .seconds(60))
    let answer = AvatarAnswer(
        status: .ok, fields: [.contentType: "image/png", .contentLength: "3", .server: "avatars"],
        body: ByteBuffer(string: "png"))

    /// The head is NIO's own encoding, up to where the `Date` line goes.
    @Test func anEntryIsNIOsEncodingUpToTheDateLine() throws {
        let cache = AnswerCache(budget: 1 << 20)
        cache.store(answer, for: "/a", lease: lease, recordsMayLag: false, route: .plain)
        let entry = try #require(cache.entry(for: "/a"))
        let text = String(buffer: entry.head) + String(buffer: ResponseDate.encodedLine())
        #expect(text.hasPrefix("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 3\r\nServer: avatars\r\nDate: "))
        #expect(text.hasSuffix(" GMT\r\n\r\n") && String(buffer: entry.body) == "png")
        #expect(cache.entry(for: "/b") == nil)
    }

    /// 20,000 distinct 8 KiB targets hold no more than the budget.
    @Test func distinctLongTargetsStayWithinTheBudget() {
        let budget = 4 << 20
        let cache = AnswerCache(budget: budget)
        let padding = String(repeating: "x", count: 8 * 1024 - 16)
        for index in 0..<20_000 {
            cache.store(answer, for: "/\(index)?\(padding)", lease: lease, recordsMayLag: false, route: .plain)
        }
        #expect(cache.bytes <= budget && cache.bytes > budget / 2)
        #expect(cache.entry(for: "/19999?\(padding)") != nil && cache.entry(for: "/0?\(padding)") == nil)
    }
}
