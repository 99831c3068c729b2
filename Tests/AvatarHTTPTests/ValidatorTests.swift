import AvatarCore
import AvatarTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct ValidatorTests {
    /// Dates out of any field's range are ignored, never computed with: a year of
    /// -2147483648 once trapped the whole process.
    @Test(arguments: [
        "Sun, 06 Nov -2147483648 08:49:37 GMT", "Sun, 06 Nov 2147483647 08:49:37 GMT", "Sun, 99 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 99:49:37 GMT", "Sun, 06 Nov 1994 08:-2147483648:37 GMT", "Sun, 06 Nov 1994 08:49:37",
    ])
    func datesOutOfRangeAreIgnored(date: String) async throws {
        let server = try LiveServer()
        try await server.run { client, tokens in
            _ = try await client.upload(try Fixtures.bytes("photo.jpg"), to: TestHashes.md5, tokens: tokens)
            let answer = try await client.get("/\(TestHashes.md5.value)?s=20", headers: [.ifModifiedSince: date])
            #expect(answer.status == .ok)
            #expect(try await client.get("/\(TestHashes.md5.value)?s=20&d=initials&initials=%01", headers: [.ifModifiedSince: date]).status == .ok)
            #expect(try await client.get("/\(TestHashes.other.value)?s=20&d=initials&initials=%01").status == .ok)
        }
    }

    @Test func etagsAndDatesGive304AndHeadMatchesGet() async throws {
        let server = try LiveServer()
        try await server.run { client, tokens in
            let upload = try await client.upload(try Fixtures.bytes("photo.jpg"), to: TestHashes.md5, tokens: tokens)
            let version = try #require(upload.json["version"] as? String)
            let uri = "/\(TestHashes.md5.value)?s=120"
            let first = try await client.get(uri)
            let etag = try #require(first.headers[.eTag])
            let lastModified = try #require(first.headers[.lastModified])
            #expect(etag.hasPrefix("\"") && !etag.hasPrefix("W/"))
            #expect(first.headers[.cacheControl] == "public, max-age=300, s-maxage=86400, stale-while-revalidate=60, stale-if-error=86400")
            #expect(first.headers[.accessControlAllowOrigin] == "*")
            #expect(first.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")

            let matching = try await client.get(uri, headers: [.ifNoneMatch: etag])
            #expect(matching.status == .notModified && matching.bytes.isEmpty)
            #expect(matching.headers[.eTag] == etag)
            #expect(try await client.get(uri, headers: [.ifNoneMatch: "\"other\", W/\(etag)"]).status == .notModified)
            #expect(try await client.get(uri, headers: [.ifNoneMatch: "\"other\""]).status == .ok)
            #expect(try await client.get(uri, headers: [.ifModifiedSince: lastModified]).status == .notModified)
            #expect(
                try await client.get(uri, headers: [.ifModifiedSince: "Mon, 01 Jan 2001 00:00:00 GMT"]).status == .ok)
            #expect(try await client.get("/\(TestHashes.md5.value)?s=121", headers: [.ifNoneMatch: etag]).status == .ok)

            let head = try await client.executeRequest(uri: uri, method: .head, headers: [:], body: nil)
            #expect(head.status == .ok && head.bytes.isEmpty)
            let hit = try await client.get(uri)
            #expect(head.comparableHeaders == hit.comparableHeaders)
            #expect(hit.bytes == first.bytes && hit.headers[.eTag] == etag)

            let versioned = try await client.get("/\(TestHashes.md5.value)?s=120&v=\(version)")
            #expect(versioned.headers[.cacheControl] == "public, max-age=31536000, immutable")
            #expect(versioned.headers[.eTag] == etag)
            let stale = try await client.get("/\(TestHashes.md5.value)?s=120&v=0000")
            #expect(stale.headers[.cacheControl] == first.headers[.cacheControl])
        }
    }

    @Test func reuploadChangesVersionEtagAndBytesAndDeleteGives404() async throws {
        let server = try LiveServer()
        try await server.run { client, tokens in
            let hash = TestHashes.md5
            let first = try await client.upload(try Fixtures.bytes("photo.jpg"), to: hash, tokens: tokens)
            let before = try await client.get("/\(hash.value).png?s=64")
            let firstFiles = server.originalFiles
            #expect(firstFiles == ["01/\(hash.value)/\(first.json["original"] as! String)"])

            let second = try await client.upload(try Fixtures.bytes("photo.webp"), to: hash, tokens: tokens)
            #expect(second.status == .ok)
            #expect(second.json["version"] as? String != first.json["version"] as? String)
            #expect(second.json["createdAt"] as? String == first.json["createdAt"] as? String)
            let after = try await client.get("/\(hash.value).png?s=64")
            #expect(after.headers[.eTag] != before.headers[.eTag])
            #expect(after.bytes != before.bytes)
            #expect(server.originalFiles == ["01/\(hash.value)/\(second.json["original"] as! String)"])

            let identical = try await client.upload(try Fixtures.bytes("photo.webp"), to: hash, tokens: tokens)
            #expect(identical.status == .ok && identical.json["version"] as? String == second.json["version"] as? String)
            #expect(server.originalFiles == ["01/\(hash.value)/\(second.json["original"] as! String)"])
            #expect(try await client.get("/\(hash.value).png?s=64").bytes == after.bytes)

            let token = try await tokens.token(for: hash, ttl: 60)
            let deleted = try await client.executeRequest(
                uri: "/\(hash.value)", method: .delete, headers: [.authorization: "Bearer \(token)"], body: nil)
            #expect(deleted.status == .noContent)
            let gone = try await client.get("/\(hash.value).png?s=64")
            #expect(gone.status == .notFound)
            #expect(gone.json["error"] as? String == "not_found")
            #expect(gone.headers[.cacheControl] == "public, max-age=300")
            #expect(server.originalFiles.isEmpty)
            let again = try await client.executeRequest(
                uri: "/\(hash.value)?token=\(token)", method: .delete, headers: [:], body: nil)
            #expect(again.status == .notFound)
        }
    }
}
