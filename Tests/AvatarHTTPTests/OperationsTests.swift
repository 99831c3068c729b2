import AvatarTestSupport
import Foundation
import HummingbirdTesting
import Testing

@Suite struct OperationsTests {
    @Test func healthReadinessAndMetrics() async throws {
        let server = try LiveServer()
        try await server.run { client, tokens in
            #expect(try await client.get("/healthz").status == .ok)
            #expect(try await client.get("/readyz").status == .ok)
            _ = try await client.upload(try Fixtures.bytes("photo.jpg"), to: TestHashes.md5, tokens: tokens)
            _ = try await client.get("/\(TestHashes.md5.value)?s=10")
            _ = try await client.get("/\(TestHashes.md5.value)?s=20")
            _ = try await client.get("/nothing-here")
            let metrics = String(buffer: try await client.get("/metrics").body)
            #expect(metrics.contains("avatars_renders_total 2"))
            // Both sizes came from the master the upload made, without reading the original.
            #expect(metrics.contains("avatars_original_reads_total 0"))
            #expect(metrics.contains("avatars_masters_total 1"))
            #expect(metrics.contains(#"avatars_http_requests_total{route="/{name}",method="GET",status="200"} 2"#))
            #expect(metrics.contains(#"status="400""#))
            #expect(metrics.contains("avatars_http_request_duration_seconds_bucket"))
        }
    }

    @Test func eachApplicationCountsAlone() async throws {
        let server = try LiveServer()
        try await server.run { client, _ in
            let metrics = String(buffer: try await client.get("/metrics").body)
            #expect(!metrics.contains("avatars_renders_total 1") && !metrics.contains("avatars_renders_total 2"))
        }
    }
}
