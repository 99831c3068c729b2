import AvatarCore
import Foundation
import NIOCore
import NIOHTTP1
import RenderPipeline
import Testing

@testable import AvatarHTTP

@Suite struct EncodedResponseHeadsTests {
    let record = AvatarRecord(
        hash: TestHashes.md5, version: "v1", format: .jpeg, width: 10, height: 10, bytes: 100, rating: .g,
        createdAt: Date(timeIntervalSince1970: 0), updatedAt: Date(timeIntervalSince1970: 0))
    let parameters = RenderParameters(size: 10, format: .png, quality: 80, avifEffort: 2)

    private func store(_ heads: EncodedResponseHeads, _ target: String) {
        let head = HTTPResponseHead(
            version: .http1_1, status: .ok, headers: ["Content-Type": "image/png", "Content-Length": "3"])
        heads.store(
            head, for: target, hash: TestHashes.md5, record: record, parameters: parameters, route: "/{name}",
            contentLength: 3)
    }

    @Test func aHeadIsNIOsEncodingWithTheDateLineLast() throws {
        let heads = EncodedResponseHeads(capacity: 10)
        store(heads, "/a")
        let entry = try #require(heads.entry(for: "/a"))
        let text = String(buffer: entry.head) + String(buffer: heads.dateAndEnd())
        #expect(text.hasPrefix("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 3\r\nDate: "))
        #expect(text.hasSuffix(" GMT\r\n\r\n") && text.components(separatedBy: "\r\n\r\n").count == 2)
        #expect(heads.entry(for: "/b") == nil)
    }

    /// Past its capacity the older generation goes; a target read since stays.
    @Test func theOlderGenerationGoesPastTheCapacity() {
        let heads = EncodedResponseHeads(capacity: 2)
        for target in ["/a", "/b", "/c"] { store(heads, target) }
        #expect(heads.entry(for: "/a") != nil)
        store(heads, "/d")
        #expect(heads.entry(for: "/b") == nil)
        #expect(heads.entry(for: "/a") != nil && heads.entry(for: "/c") != nil && heads.entry(for: "/d") != nil)
    }
}
