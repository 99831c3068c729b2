import AvatarCore
import AvatarTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import RenderPipeline
import Testing

/// A node with Gravatar's behaviour for unknown hashes (`images.default` = `mp`).
func gravatarServer(dataDirectory: String? = nil) throws -> LiveServer {
    try LiveServer(["AVATARS_IMAGES_DEFAULT": "mp"], dataDirectory: dataDirectory)
}

@Suite struct GravatarTests {
    static let keywords = ["mp", "mm", "identicon", "monsterid", "wavatar", "robohash", "retro", "blank", "initials", "color"]
    static let hashed = ["identicon", "retro", "monsterid", "wavatar", "robohash", "color"]

    @Test func everyDefaultAtEverySizeIsAnExactDeterministicSquare() async throws {
        let server = try gravatarServer()
        let unknown = TestHashes.other.value
        let first = try await server.run { client, _ in
            var bodies: [String: [UInt8]] = [:]
            for keyword in Self.keywords {
                for size in [1, 80, 2048] {
                    let uri = "/avatar/\(unknown)?s=\(size)&d=\(keyword)&name=Ada%20Lovelace"
                    let response = try await client.get(uri)
                    #expect(response.status == .ok, "\(keyword) \(size)")
                    #expect(response.headers[.contentType] == "image/png", "\(keyword) \(size)")
                    #expect(response.headers[.cacheControl] == "public, max-age=300")
                    #expect(response.headers[.eTag] != nil)
                    let probe = try #require(ImageProbe(response.bytes), "\(keyword) \(size)")
                    #expect(probe.width == size && probe.height == size, "\(keyword) \(size)")
                    // Drawn for an unknown hash: cached once asked for again, a hit from then on.
                    let again = try await client.get(uri)
                    let third = try await client.get(uri)
                    #expect(again.bytes == response.bytes && third.bytes == response.bytes, "\(keyword) \(size)")
                    #expect(third.originCache == "HIT", "\(keyword) \(size)")
                    bodies["\(keyword)-\(size)"] = response.bytes
                }
            }
            let jpeg = try await client.get("/\(unknown).jpg?s=64&d=identicon")
            #expect(FormatSniffer.format(of: jpeg.bytes) == .jpeg && ImageProbe(jpeg.bytes)?.width == 64)
            let blank = try await client.get("/\(unknown)?s=16&d=blank")
            #expect(ImageProbe.pixel(blank.bytes, x: 8, y: 8)?.last == 0, "blank is transparent")
            #expect(bodies["mp-80"] == bodies["mm-80"])
            return bodies
        }
        // Another process on the same data directory (a restart) and a fresh node draw the same bytes.
        for directory in [server.dataDirectory, nil] {
            let other = try gravatarServer(dataDirectory: directory)
            try await other.run { client, _ in
                for keyword in Self.keywords {
                    let response = try await client.get("/avatar/\(unknown)?s=80&d=\(keyword)&name=Ada%20Lovelace")
                    #expect(response.bytes == first["\(keyword)-80"], "\(keyword) on \(directory == nil ? "a new node" : "restart")")
                }
            }
        }
    }

    @Test func differentHashesDrawDifferentImages() async throws {
        let server = try gravatarServer()
        try await server.run { client, _ in
            for keyword in Self.hashed {
                let a = try await client.get("/avatar/\(TestHashes.other.value)?s=80&d=\(keyword)")
                let b = try await client.get("/avatar/\(String(repeating: "1", count: 32))?s=80&d=\(keyword)")
                let c = try await client.get("/avatar/\(String(repeating: "7", count: 64))?s=80&d=\(keyword)")
                #expect(a.bytes != b.bytes && b.bytes != c.bytes && a.bytes != c.bytes, "\(keyword)")
            }
            let jane = try await client.get("/\(TestHashes.other.value)?d=initials&name=Jane%20Doe")
            let john = try await client.get("/\(TestHashes.other.value)?d=initials&initials=JS")
            #expect(jane.bytes != john.bytes)
        }
    }

    @Test func drawingsThatIgnoreTheHashAreOneRenderAndOneETagForEveryHash() async throws {
        let server = try gravatarServer()
        try await server.run { client, _ in
            func renders() async throws -> Int {
                let text = String(buffer: try await client.get("/metrics").body)
                return text.split(separator: "\n").first { $0.hasPrefix("avatars_renders_total ") }
                    .flatMap { Int($0.split(separator: " ")[1]) } ?? 0
            }
            for keyword in ["mp", "blank"] {
                let before = try await renders()
                var tags: Set<String> = []
                for index in 0..<20 {
                    let hash = String(format: "%032x", index * 7919 + 1)
                    let response = try await client.get("/avatar/\(hash)?s=72&d=\(keyword)")
                    #expect(response.status == .ok)
                    tags.insert(response.headers[.eTag] ?? "")
                }
                #expect(tags.count == 1, "\(keyword): \(tags)")
                #expect(try await renders() - before == 1, "\(keyword)")
            }
        }
    }

    /// A flood of defaults for random hashes, each asked for once, writes nothing to the cache
    /// file (so it cannot evict what people come back for); one asked for again is cached.
    @Test func defaultsForHashesAskedForOnceStayOutOfTheCache() async throws {
        let server = try gravatarServer()
        try await server.run { client, _ in
            // The cache's writer commits in the background: read the count once it stops moving.
            func entries() async throws -> Double {
                var last = -1.0
                for _ in 0..<50 {
                    try await Task.sleep(for: .milliseconds(200))
                    let now = try await metricValue("avatars_cache_entries", in: client) ?? 0
                    if now == last { return now }
                    last = now
                }
                return last
            }
            _ = try await client.get("/avatar/\(TestHashes.other.value)?d=mp&s=40")
            let before = try await entries()
            var uris: [String] = []
            for _ in 0..<50 {
                let hash = (0..<32).map { _ in String(Int.random(in: 0..<16), radix: 16) }.joined()
                uris.append("/avatar/\(hash)?d=identicon&s=64")
                #expect(try await client.get(uris.last!).status == .ok)
            }
            #expect(try await entries() == before)
            #expect(try await client.get(uris[0]).originCache == "MISS")
            #expect(try await entries() == before + 1)
            #expect(try await client.get(uris[0]).originCache == "HIT")
        }
    }

    @Test func urlDefaultsRedirectAndUnsafeValuesAre400() async throws {
        let server = try gravatarServer()
        try await server.run { client, _ in
            let redirect = try await client.get("/avatar/\(TestHashes.other.value)?d=https%3A%2F%2Fexample.com%2Fa.png%3Fx%3D1")
            #expect(redirect.status == .found)
            #expect(redirect.headers[.location] == "https://example.com/a.png?x=1")
            #expect(redirect.headers[.cacheControl] == "public, max-age=300")
            let plain = try await client.get("/\(TestHashes.other.value)?default=http://cdn.example.org/p.jpg")
            #expect(plain.status == .found && plain.headers[.location] == "http://cdn.example.org/p.jpg")
            for value in [
                "javascript:alert(1)", "JavaScript%3Aalert(1)", "data:image/png;base64,AAAA", "file:///etc/passwd",
                "https://example.com/a%0D%0ASet-Cookie:x", "https://exa%0Ample.com/", "ftp://example.com/a.png", "//example.com/a",
                "https://" + String(repeating: "a", count: 2100),
            ] {
                let response = try await client.get("/avatar/\(TestHashes.other.value)?d=\(value)")
                #expect(response.status == .badRequest, "\(value.prefix(40))")
                #expect(response.json["error"] as? String == "invalid_parameter")
            }
            // An unknown keyword is the server's default, not an error.
            let unknownKeyword = try await client.get("/\(TestHashes.other.value)?d=sparkles&s=20")
            let mp = try await client.get("/\(TestHashes.other.value)?d=mp&s=20")
            #expect(unknownKeyword.status == .ok && unknownKeyword.bytes == mp.bytes)
            #expect(try await client.get("/\(TestHashes.other.value)?d=404").status == .notFound)
        }
    }

    @Test func forceDefaultAndRatings() async throws {
        let server = try gravatarServer()
        try await server.run { client, tokens in
            _ = try await client.upload(try Fixtures.bytes("photo.jpg"), to: TestHashes.md5, tokens: tokens, query: "?r=r")
            _ = try await client.upload(try Fixtures.bytes("photo.png"), to: TestHashes.sha1, tokens: tokens, query: "?rating=pg")
            let identicon = try await client.get("/avatar/\(TestHashes.md5.value)?s=40&d=identicon&f=y")
            #expect(identicon.headers[.contentType] == "image/png" && identicon.headers[.cacheControl] == "public, max-age=300")
            let forced = try await client.get("/avatar/\(TestHashes.md5.value)?s=40&d=identicon&forcedefault=yes&r=x")
            #expect(forced.bytes == identicon.bytes)
            let real = try await client.get("/avatar/\(TestHashes.md5.value)?s=40&d=identicon&r=x")
            #expect(real.headers[.contentType] == "image/jpeg")

            let hidden = try await client.get("/avatar/\(TestHashes.md5.value)?s=40&r=pg&d=404")
            #expect(hidden.status == .notFound)
            let shown = try await client.get("/avatar/\(TestHashes.sha1.value)?s=40&r=pg&d=404")
            #expect(shown.status == .ok && shown.headers[.contentType] == "image/png")
            #expect(try await client.get("/avatar/\(TestHashes.sha1.value)?s=40&d=404").status == .notFound, "default rating is g")
            #expect(try await client.get("/avatar/\(TestHashes.sha1.value)?s=40&r=nc17").status == .badRequest)
        }
    }

    @Test func urlsAsGravatarClientsWriteThem() async throws {
        let server = try gravatarServer()
        try await server.run { client, tokens in
            let md5 = TestHashes.md5.value
            _ = try await client.upload(try Fixtures.bytes("photo.jpg"), to: TestHashes.md5, tokens: tokens, query: "?r=pg")
            let pg = try await client.get("/avatar/\(md5)?s=200&d=identicon&r=pg")
            #expect(pg.status == .ok && pg.headers[.contentType] == "image/jpeg" && ImageProbe(pg.bytes)?.width == 200)
            let sha = String(repeating: "9", count: 64)
            let missing = try await client.get("/avatar/\(sha).jpg?size=64&default=404")
            #expect(missing.status == .notFound)
            let redirect = try await client.get("/avatar/\(sha)?d=https%3A%2F%2Fexample.com%2Fa.png")
            #expect(redirect.status == .found && redirect.headers[.location] == "https://example.com/a.png")
            for (name, size) in [("small", 128), ("medium", 256), ("large", 512), ("original", 1024)] {
                let response = try await client.get("/avatar/\(md5)?s=\(name)&r=pg")
                #expect(ImageProbe(response.bytes)?.width == size, "\(name)")
            }
            let head = try await client.executeRequest(uri: "/avatar/\(sha)?s=48&d=retro", method: .head, headers: [:], body: nil)
            let get = try await client.get("/avatar/\(sha)?s=48&d=retro")
            #expect(head.status == .ok && head.bytes.isEmpty && head.headers[.eTag] == get.headers[.eTag])
            let etag = try #require(get.headers[.eTag])
            #expect(try await client.get("/avatar/\(sha)?s=48&d=retro", headers: [.ifNoneMatch: etag]).status == .notModified)
        }
    }
}
