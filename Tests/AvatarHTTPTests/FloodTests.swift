import AvatarAuth
import AvatarCore
import AvatarTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Renders are bounded: a flood of misses of random hashes is answered `200` or `503` at
/// once, never waits past the render deadline, and cached renders keep being answered.
/// Runs alone (scripts/test), since it keeps the render threads busy on purpose.
@Suite(.serialized) struct FloodTests {
    @Test func aFloodOfMissesIsBoundedAndHitsGoOn() async throws {
        let server = try LiveServer([
            "AVATARS_IMAGES_RENDER_CONCURRENCY": "1",
            "AVATARS_IMAGES_MAX_PENDING_RENDERS": "2",
            "AVATARS_IMAGES_RENDER_TIMEOUT_SECONDS": "3",
        ])
        try await server.run { client, tokens in
            let cached = "/avatar/\(TestHashes.md5.value)?s=80"
            #expect(try await client.upload(try Fixtures.bytes("photo.jpg"), to: TestHashes.md5, tokens: tokens).status == .created)
            #expect(try await client.get(cached).status == .ok)
            let port = try #require(client.port)
            let started = ContinuousClock.now
            // Each miss on a connection of its own, all at once, as a flood comes.
            let (answers, hitTimes) = try await withThrowingTaskGroup(of: (Int, String?, String?, Duration).self) { group in
                for _ in 0..<300 {
                    group.addTask {
                        let hash = (0..<32).map { _ in String(Int.random(in: 0..<16), radix: 16) }.joined()
                        let asked = ContinuousClock.now
                        let answer = try await RawHTTP.exchange(
                            port: port, head: "GET /avatar/\(hash)?d=identicon&s=2048 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
                            body: [], timeout: 30)
                        let head = answer.components(separatedBy: "\r\n\r\n")[0].components(separatedBy: "\r\n")
                        func field(_ name: String) -> String? {
                            head.first { $0.lowercased().hasPrefix(name + ":") }.map { String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) }
                        }
                        let status = head.first.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
                        return (status, field("retry-after"), field("cache-control"), asked.duration(to: .now))
                    }
                }
                var hitTimes: [Duration] = []
                for _ in 0..<20 {
                    let asked = ContinuousClock.now
                    #expect(try await client.get(cached).status == .ok)
                    hitTimes.append(asked.duration(to: .now))
                }
                return (try await group.reduce(into: []) { $0.append($1) }, hitTimes)
            }
            let statuses = Dictionary(grouping: answers, by: \.0).mapValues(\.count)
            #expect(Set(statuses.keys).isSubset(of: [200, 503]), "\(statuses)")
            #expect(statuses[503, default: 0] > 0, "\(statuses)")
            for (status, retryAfter, cacheControl, _) in answers where status == 503 {
                #expect(retryAfter == "1" && cacheControl == "no-store")
            }
            // None waits past the deadline (3 s), with a margin for a loaded test machine.
            #expect(answers.map(\.3).max()! < .seconds(6), "slowest \(answers.map(\.3).max()!)")
            #expect(hitTimes.max()! < .seconds(1), "slowest hit \(hitTimes.max()!)")
            #expect(started.duration(to: .now) < .seconds(60))
            #expect(try await client.get("/healthz").status == .ok)
        }
    }

    /// Requests that leave before a render thread is free never cost a render: their
    /// connections close, their tasks are cancelled, and the work they queued is skipped.
    @Test func rendersWhoseClientsLeftNeverStart() async throws {
        let server = try LiveServer([
            "AVATARS_IMAGES_RENDER_CONCURRENCY": "1", "AVATARS_IMAGES_MAX_PENDING_RENDERS": "100",
        ])
        try await server.run { client, _ in
            let port = try #require(client.port)
            let before = try await metricValue("avatars_renders_total", in: client) ?? 0
            func miss() -> String {
                let hash = (0..<32).map { _ in String(Int.random(in: 0..<16), radix: 16) }.joined()
                return "GET /avatar/\(hash)?d=identicon&s=2048 HTTP/1.1\r\nHost: localhost\r\n\r\n"
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Four clients that wait keep the one render thread busy...
                for _ in 0..<4 {
                    let head = miss()
                    group.addTask { _ = try await RawHTTP.exchange(port: port, head: head, body: [], timeout: 30) }
                }
                try await Task.sleep(for: .milliseconds(20))
                // ...while twenty ask and hang up at once.
                for _ in 0..<20 {
                    let descriptor = try RawHTTP.connectToLocalhost(port: port)
                    let head = Array(miss().utf8)
                    _ = head.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
                    close(descriptor)
                }
                try await group.waitForAll()
            }
            // Renders still queued would finish one by one: wait until the count stops moving.
            var rendered = -1.0
            for _ in 0..<20 {
                try await Task.sleep(for: .seconds(1))
                let now = (try await metricValue("avatars_renders_total", in: client) ?? 0) - before
                if now == rendered { break }
                rendered = now
            }
            #expect(rendered >= 4 && rendered < 10, "\(rendered) renders for 4 clients that waited and 20 that left")
        }
    }
}
