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
    let shown = ShownImage.avatar(
        AvatarRecord(
            hash: TestHashes.md5, version: "v1", format: .jpeg, width: 10, height: 10, bytes: 100, rating: .g,
            createdAt: Date(timeIntervalSince1970: 0), updatedAt: Date(timeIntervalSince1970: 0)),
        RenderParameters(size: 10, format: .png, quality: 80, avifEffort: 2))
    let lease = RecordLease(stripe: 0, stripeChanges: 0, allChanges: 0, until: .now + .seconds(60))
    let answer = AvatarAnswer(
        status: .ok, fields: [.contentType: "image/png", .contentLength: "3", .server: "avatars"],
        body: ByteBuffer(string: "png"))

    /// The head is NIO's own encoding, up to where the `Date` line goes.
    @Test func anEntryIsNIOsEncodingUpToTheDateLine() throws {
        let cache = AnswerCache(budget: 1 << 20)
        cache.store(answer, showing: shown, for: "/a", lease: lease, recordsMayLag: false, route: .plain)
        let entry = try #require(cache.entry(for: "/a"))
        let text = String(buffer: entry.head) + String(buffer: ResponseDate.encodedLine())
        #expect(text.hasPrefix("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 3\r\nServer: avatars\r\nDate: "))
        #expect(text.hasSuffix(" GMT\r\n\r\n"))
        guard case .held(let held) = entry.body else { Issue.record("a 3-byte body was not held"); return }
        let wire = String(buffer: held.wire(at: ResponseDate.now()))
        #expect(wire.hasPrefix(String(buffer: entry.head) + "Date: ") && wire.hasSuffix(" GMT\r\n\r\npng"))
        #expect(cache.entry(for: "/b") == nil)
    }

    /// A held answer goes out whole, with the `Date` of the second it is sent in; a wire
    /// handed out before keeps its own `Date`, whatever comes after.
    @Test func aHeldAnswerCarriesTheDateOfItsSecond() throws {
        let head = ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n")
        let at = { (second: Int) in ResponseDate.Current(second: second) }
        let held = HeldAnswer(head: head, body: ByteBuffer(string: "png"), date: at(1_700_000_000))
        let first = held.wire(at: at(1_800_000_000))
        #expect(String(buffer: first) == String(buffer: head) + "Date: Fri, 15 Jan 2027 08:00:00 GMT\r\n\r\npng")
        #expect(held.wire(at: at(1_800_000_000)) == first)
        let next = held.wire(at: at(1_800_000_001))
        #expect(String(buffer: next) == String(buffer: head) + "Date: Fri, 15 Jan 2027 08:00:01 GMT\r\n\r\npng")
        #expect(String(buffer: first).contains("08:00:00 GMT"), "a wire handed out changed under its writer")
        // A date one character longer (the year 10000) moves the body rather than overwriting it.
        let longer = held.wire(at: at(253_402_300_800))
        #expect(String(buffer: longer) == String(buffer: head) + "Date: Sat, 01 Jan 10000 00:00:00 GMT\r\n\r\npng")
        #expect(String(buffer: held.wire(at: at(1_800_000_002))).hasSuffix("08:00:02 GMT\r\n\r\npng"))
    }

    /// A body over `largestHeldBody` is left to the render cache, and the entry costs no
    /// more for it.
    @Test func aLargeBodyIsFoundInTheRenderCacheNotHeld() throws {
        let cache = AnswerCache(budget: 1 << 20)
        let length = AnswerCache.largestHeldBody + 1
        var large = answer
        large.body = ByteBuffer(repeating: 1, count: length)
        large.fields[.contentLength] = String(length)
        cache.store(large, showing: shown, for: "/large", lease: lease, recordsMayLag: false, route: .plain)
        let entry = try #require(cache.entry(for: "/large"))
        guard case .kept(let kept, let keptLength) = entry.body else { Issue.record("a large body was held"); return }
        #expect(kept == shown && keptLength == length && cache.bytes < length)
    }

    /// 20,000 distinct 8 KiB targets hold no more than the budget.
    @Test func distinctLongTargetsStayWithinTheBudget() {
        let budget = 4 << 20
        let cache = AnswerCache(budget: budget)
        let padding = String(repeating: "x", count: 8 * 1024 - 16)
        for index in 0..<20_000 {
            cache.store(answer, showing: shown, for: "/\(index)?\(padding)", lease: lease, recordsMayLag: false, route: .plain)
        }
        #expect(cache.bytes <= budget && cache.bytes > budget / 2)
        #expect(cache.entry(for: "/19999?\(padding)") != nil && cache.entry(for: "/0?\(padding)") == nil)
    }
}
