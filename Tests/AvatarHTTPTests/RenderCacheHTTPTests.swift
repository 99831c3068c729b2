import AvatarCore
import AvatarTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

extension TestResponse {
    var originCache: String? { headers[HTTPField.Name("X-Origin-Cache")!] }
}

func metricValue(_ name: String, in client: any TestClientProtocol) async throws -> Double? {
    let text = String(buffer: try await client.get("/metrics").body)
    return text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
}

@Suite struct RenderCacheHTTPTests {
    @Test func theSecondRequestIsAByteIdenticalHitAndStaysOneAfterARestart() async throws {
        let server = try LiveServer()
        let uri = "/\(TestHashes.md5.value).webp?s=96"
        let first = try await server.run { client, tokens in
            _ = try await client.upload(try Fixtures.bytes("photo.jpg"), to: TestHashes.md5, tokens: tokens)
            let first = try await client.get(uri)
            #expect(first.status == .ok && first.originCache == "MISS")
            let second = try await client.get(uri)
            #expect(second.status == .ok && second.originCache == "HIT")
            #expect(second.bytes == first.bytes && second.headers[.eTag] == first.headers[.eTag])
            let head = try await client.executeRequest(uri: uri, method: .head, headers: [:], body: nil)
            #expect(head.originCache == "HIT" && head.headers[.contentLength] == String(first.bytes.count))
            #expect(try await metricValue("avatars_renders_total", in: client) == 1)
            #expect(try await metricValue(#"avatars_cache_hits_total{kind="render"}"#, in: client) == 2)
            // The render and the master the upload made.
            #expect(try await metricValue("avatars_cache_entries", in: client) == 2)
            #expect(try await metricValue("avatars_cache_bytes", in: client) ?? 0 > 0)
            return first.bytes
        }
        let restarted = try LiveServer(dataDirectory: server.dataDirectory)
        try await restarted.run { client, _ in
            let again = try await client.get(uri)
            #expect(again.status == .ok && again.originCache == "HIT")
            #expect(again.bytes == first)
            #expect(try await metricValue("avatars_renders_total", in: client) == 0)
        }
    }

    @Test func reuploadAndDeleteMakeOldRendersUnreachable() async throws {
        let server = try LiveServer()
        try await server.run { client, tokens in
            let uri = "/\(TestHashes.sha1.value).png?s=50"
            _ = try await client.upload(try Fixtures.bytes("photo.jpg"), to: TestHashes.sha1, tokens: tokens)
            let old = try await client.get(uri)
            #expect(try await client.get(uri).originCache == "HIT")
            _ = try await client.upload(try Fixtures.bytes("photo.webp"), to: TestHashes.sha1, tokens: tokens)
            let new = try await client.get(uri)
            #expect(new.originCache == "MISS" && new.bytes != old.bytes)
            let token = try await tokens.token(for: TestHashes.sha1, ttl: 60)
            _ = try await client.executeRequest(uri: "/\(TestHashes.sha1.value)?token=\(token)", method: .delete, headers: [:], body: nil)
            #expect(try await client.get(uri).status == .notFound)
        }
    }

    @Test func aSmallCacheFilledManyTimesOverKeepsServingAndStaysWithinItsBound() async throws {
        let maxBytes = 4 << 20
        let server = try LiveServer(["AVATARS_CACHE_MAX_BYTES": String(maxBytes)])
        try await server.run { client, tokens in
            _ = try await client.upload(try Fixtures.bytes("photo.png"), to: TestHashes.md5, tokens: tokens)
            // Lossless PNG squares of 200 to 459 px: about 20 MiB of distinct renders in all.
            let sizes = Array(200..<460)
            var total = 0
            for size in sizes {
                let response = try await client.get("/\(TestHashes.md5.value).png?s=\(size)")
                #expect(response.status == .ok, "s=\(size)")
                total += response.bytes.count
            }
            #expect(total > 4 * maxBytes, "filled \(total) bytes into a \(maxBytes) byte cache")
            for size in sizes.suffix(5) {
                #expect(try await client.get("/\(TestHashes.md5.value).png?s=\(size)").originCache == "HIT", "s=\(size)")
            }
            for size in sizes.prefix(5) {
                #expect(try await client.get("/\(TestHashes.md5.value).png?s=\(size)").originCache == "MISS", "s=\(size)")
            }
            #expect(try await metricValue("avatars_cache_evictions_total", in: client) ?? 0 > 0)
            let fileSize = try FileManager.default.attributesOfItem(atPath: server.cacheFile)[.size] as? Int ?? .max
            print("fill test: \(total) bytes rendered, cache file \(fileSize) bytes, bound \(maxBytes)")
            #expect(fileSize <= maxBytes)
        }
    }

    /// Hits are answered on the event loop (`EventLoopAnswers`); `Connection: close` sends a
    /// request through the router instead. Both must answer alike, and pipelined requests
    /// mixing the two must come back in order.
    @Test func hitsAnsweredOnTheEventLoopMatchTheRouterAndKeepPipelinedOrder() async throws {
        let server = try LiveServer()
        try await server.run { client, tokens in
            _ = try await client.upload(try Fixtures.bytes("photo.png"), to: TestHashes.md5, tokens: tokens)
            let port = try #require(client.port)
            let path = "/avatar/\(TestHashes.md5.value)?s=64"
            let miss = try await RawHTTP.exchange(port: port, head: "GET \(path) HTTP/1.1\r\nHost: t\r\n\r\n", body: [])
            #expect(miss.contains("X-Origin-Cache: MISS"))
            let fast = try await RawHTTP.exchange(port: port, head: "GET \(path) HTTP/1.1\r\nHost: t\r\n\r\n", body: [])
            // The fast path kept that head encoded; this one is answered from it.
            let encoded = try await RawHTTP.exchange(port: port, head: "GET \(path) HTTP/1.1\r\nHost: t\r\n\r\n", body: [])
            let routed = try await RawHTTP.exchange(
                port: port, head: "GET \(path) HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", body: [])
            #expect(fast.hasPrefix("HTTP/1.1 200") && fast.contains("X-Origin-Cache: HIT"))
            for answer in [fast, encoded] {
                #expect(parts(answer).head == parts(routed).head)
                #expect(parts(answer).body == parts(routed).body && parts(miss).body == parts(answer).body)
                #expect(parts(answer).dates.count == 1 && parts(answer).dates[0].hasSuffix(" GMT"))
            }

            let etag = try #require(parts(fast).etag)
            let notModified = try await RawHTTP.exchange(
                port: port, head: "GET \(path) HTTP/1.1\r\nHost: t\r\nIf-None-Match: \(etag)\r\n\r\n", body: [])
            #expect(notModified.hasPrefix("HTTP/1.1 304") && parts(notModified).dates.count == 1)
            #expect(parts(notModified).etag == etag && parts(notModified).body.isEmpty)
            let unknown = "/avatar/\(TestHashes.other.value)?s=64"
            let started = ContinuousClock.now
            let pipelined = try await RawHTTP.exchange(
                port: port,
                head: "GET \(path) HTTP/1.1\r\nHost: t\r\n\r\n" + "GET \(unknown) HTTP/1.1\r\nHost: t\r\n\r\n"
                    + "HEAD \(path) HTTP/1.1\r\nHost: t\r\n\r\n"
                    + "GET \(path) HTTP/1.1\r\nHost: t\r\nIf-None-Match: \(etag)\r\n\r\n"
                    + "GET \(path) HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
                body: [], untilClosed: true)
            // Bodies run straight into the next status line, so look for status lines anywhere.
            let statuses = pipelined.ranges(of: "HTTP/1.1 ").map { String(pipelined[$0.upperBound...].prefix(3)) }
            #expect(statuses == ["200", "404", "200", "304", "200"])
            #expect(ContinuousClock.now - started < .seconds(3), "the server closes after Connection: close")
            #expect(try await metricValue(#"avatars_http_requests_total{route="/avatar/{name}",method="GET",status="200"}"#, in: client) == 6)
        }
    }

    /// A hit answered from a head encoded before (`AnswerCache`) must stop being
    /// answered so once the avatar changes or goes.
    @Test func anEncodedHeadAnswersOnlyWhileTheAvatarIsUnchanged() async throws {
        let server = try LiveServer()
        try await server.run { client, tokens in
            _ = try await client.upload(try Fixtures.bytes("photo.jpg"), to: TestHashes.md5, tokens: tokens)
            let port = try #require(client.port)
            let path = "/\(TestHashes.md5.value).png?s=50"
            func get(_ method: String = "GET") async throws -> String {
                try await RawHTTP.exchange(port: port, head: "\(method) \(path) HTTP/1.1\r\nHost: t\r\n\r\n", body: [])
            }
            let first = try await get()
            let hits = [try await get(), try await get(), try await get()]
            #expect(first.contains("X-Origin-Cache: MISS"))
            for hit in hits {
                #expect(hit.contains("X-Origin-Cache: HIT") && parts(hit).head == parts(hits[0]).head)
                #expect(parts(hit).body == parts(first).body)
            }
            let head = try await get("HEAD")
            #expect(parts(head).head == parts(hits[0]).head && parts(head).body.isEmpty)

            _ = try await client.upload(try Fixtures.bytes("photo.webp"), to: TestHashes.md5, tokens: tokens)
            let replaced = try await get()
            let replacedHit = try await get()
            #expect(replaced.contains("X-Origin-Cache: MISS") && replacedHit.contains("X-Origin-Cache: HIT"))
            #expect(parts(replaced).etag != parts(first).etag && parts(replacedHit).etag == parts(replaced).etag)
            #expect(parts(replacedHit).body == parts(replaced).body && parts(replaced).body != parts(first).body)

            let token = try await tokens.token(for: TestHashes.md5, ttl: 60)
            _ = try await client.executeRequest(uri: "/\(TestHashes.md5.value)?token=\(token)", method: .delete, headers: [:], body: nil)
            #expect(try await get().hasPrefix("HTTP/1.1 404"))
        }
    }

    /// One raw answer's header lines but `Date` (and `Connection`), its `Date` values, its
    /// `ETag` and its body.
    private func parts(_ answer: String) -> (head: Set<String>, dates: [String], etag: String?, body: Substring) {
        let split = answer.range(of: "\r\n\r\n")!
        let lines = answer[..<split.lowerBound].split(separator: "\r\n").map(String.init)
        return (
            Set(lines.filter { !$0.hasPrefix("Date:") && !$0.hasPrefix("Connection:") }),
            lines.filter { $0.hasPrefix("Date: ") }.map { String($0.dropFirst("Date: ".count)) },
            lines.first { $0.hasPrefix("ETag: ") }.map { String($0.dropFirst("ETag: ".count)) },
            answer[split.upperBound...]
        )
    }

    @Test func aGarbageCacheFileIsLoggedMovedAsideAndTheServerServes() async throws {
        let server = try LiveServer()
        try FileManager.default.createDirectory(atPath: server.dataDirectory + "/cache", withIntermediateDirectories: true)
        try Data(repeating: 0xA5, count: 1 << 20).write(to: URL(fileURLWithPath: server.cacheFile))
        try await server.run { client, tokens in
            let upload = try await client.upload(try Fixtures.bytes("photo.jpg"), to: TestHashes.md5, tokens: tokens)
            #expect(upload.status == .created)
            let first = try await client.get("/\(TestHashes.md5.value)?s=30")
            let second = try await client.get("/\(TestHashes.md5.value)?s=30")
            #expect(first.originCache == "MISS" && second.originCache == "HIT")
        }
        #expect(server.logs.all.contains { $0.level == .warning && $0.message.contains("render cache cannot be used") })
    }
}
