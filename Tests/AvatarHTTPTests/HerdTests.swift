import AsyncHTTPClient
import AvatarTestSupport
import Foundation
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import Testing

/// Run on its own (`scripts/test` gives it a separate invocation) so that no other test
/// renders while the herd waits.
@Suite(.serialized) struct HerdTests {
    @Test func aHundredSimultaneousRequestsShareOneRender() async throws {
        let server = try LiveServer()
        try await server.run { client, tokens in
            _ = try await client.upload(try Fixtures.bytes("photo.jpg"), to: TestHashes.md5, tokens: tokens)
            let port = try #require(client.port)
            let before = try await metricValue("avatars_renders_total", in: client) ?? -1
            var configuration = HTTPClient.Configuration()
            configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 100)
            configuration.timeout = .init(connect: .seconds(10), read: .seconds(60))
            let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            let url = "http://localhost:\(port)/\(TestHashes.md5.value).avif?s=2048"
            let gate = Gate()
            let results = try await withThrowingTaskGroup(of: (UInt, [UInt8], String?).self) { group in
                for _ in 0..<100 {
                    group.addTask {
                        await gate.wait()
                        let response = try await http.execute(HTTPClientRequest(url: url), timeout: .seconds(60))
                        let body = try await response.body.collect(upTo: 64 << 20)
                        return (response.status.code, Array(body.readableBytesView), response.headers.first(name: "X-Origin-Cache"))
                    }
                }
                await gate.open()
                var results: [(UInt, [UInt8], String?)] = []
                for try await result in group { results.append(result) }
                return results
            }
            try await http.shutdown()
            let after = try await metricValue("avatars_renders_total", in: client) ?? -1
            print("herd test: \(results.count) requests, renders \(Int(after - before))")
            #expect(results.count == 100)
            #expect(results.allSatisfy { $0.0 == 200 })
            #expect(Set(results.map(\.1)).count == 1)
            #expect(results[0].1.count > 0)
            #expect(after - before == 1)
        }
    }
}

/// Holds every waiter until `open`, so the requests leave together.
actor Gate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func open() {
        isOpen = true
        for waiter in waiters { waiter.resume() }
        waiters.removeAll()
    }
}
