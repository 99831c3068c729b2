import AvatarCore
import AvatarTestSupport
import HTTPTypes
import HummingbirdTesting
import Testing

/// `images.negotiate`: URLs without an extension answer AVIF or WebP by `Accept`, with
/// `Vary: Accept` and an ETag per format; URLs with one, and defaults, never change.
@Suite struct NegotiationTests {
    let hash = TestHashes.md5
    let chrome = "image/avif,image/webp,image/apng,image/*,*/*;q=0.8"

    func get(_ client: any TestClientProtocol, _ uri: String, accept: String?, extra: HTTPFields = [:]) async throws
        -> TestResponse
    {
        var headers = extra
        if let accept { headers[.accept] = accept }
        return try await client.get(uri, headers: headers)
    }

    @Test func offByDefaultTheOriginalsFamilyWithoutVary() async throws {
        try await LiveServer().run { client, tokens in
            _ = try await client.upload(try Fixtures.bytes("photo.jpg"), to: hash, tokens: tokens)
            let answer = try await get(client, "/\(hash.value)?s=40", accept: chrome)
            #expect(answer.headers[.contentType] == "image/jpeg" && answer.headers[.vary] == nil)
        }
    }

    @Test func onItFollowsAcceptOnlyWithoutAnExtension() async throws {
        try await LiveServer(["AVATARS_IMAGES_NEGOTIATE": "true"]).run { client, tokens in
            _ = try await client.upload(try Fixtures.bytes("photo.jpg"), to: hash, tokens: tokens)
            let uri = "/\(hash.value)?s=40"
            var tags: [String: String] = [:]
            // Each asked twice: the second may be answered on the event loop.
            for (accept, type) in [
                (chrome, "image/avif"), ("image/webp,*/*", "image/webp"), ("image/avif;q=0,image/webp", "image/webp"),
                ("*/*", "image/jpeg"), (nil, "image/jpeg"), (chrome, "image/avif"),
            ] as [(String?, String)] {
                for _ in 0..<2 {
                    let answer = try await get(client, uri, accept: accept)
                    #expect(answer.status == .ok && answer.headers[.contentType] == type, "\(accept ?? "none")")
                    #expect(answer.headers[.vary] == "Accept")
                    #expect(ImageProbe(answer.bytes)?.width == 40)
                    if let known = tags[type] { #expect(answer.headers[.eTag] == known) }
                    tags[type] = answer.headers[.eTag]
                }
            }
            #expect(Set(tags.values).count == 3, "one ETag per format: \(tags)")

            // A revalidation is answered for the format asked, and varies too.
            let avifTag = try #require(tags["image/avif"])
            let revalidated = try await get(client, uri, accept: chrome, extra: [.ifNoneMatch: avifTag])
            #expect(revalidated.status == .notModified && revalidated.headers[.vary] == "Accept")
            let otherFormat = try await get(client, uri, accept: "image/webp", extra: [.ifNoneMatch: avifTag])
            #expect(otherFormat.status == .ok && otherFormat.headers[.contentType] == "image/webp")

            // An extension fixes the format; defaults are never negotiated.
            for path in ["/\(hash.value).png?s=40", "/avatar/\(hash.value).png?s=40"] {
                let fixed = try await get(client, path, accept: chrome)
                #expect(fixed.headers[.contentType] == "image/png" && fixed.headers[.vary] == nil)
            }
            let drawn = try await get(client, "/avatar/\(TestHashes.other.value)?d=identicon&s=40", accept: chrome)
            #expect(drawn.headers[.contentType] == "image/png" && drawn.headers[.vary] == nil)
        }
    }
}
