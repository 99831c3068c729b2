import AvatarCore
import AvatarTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Stops the shared PostgreSQL, so it runs alone (`scripts/test` gives it its own invocation).
@Suite(.serialized) struct PostgresOutageTests {
    @Test func cachedMetadataKeepsServingWhileOthersGet503UntilPostgresIsBack() async throws {
        let postgres = try TestPostgres.fromEnvironment()
        let database = try await postgres.freshDatabase()
        var environment = [
            "AVATARS_METADATA_BACKEND": "postgres", "AVATARS_POSTGRES_URL": database.text,
            "AVATARS_METADATA_CACHE_SECONDS": "600", "AVATARS_POSTGRES_TIMEOUT_SECONDS": "1",
        ]
        environment["AVATARS_STORAGE_PATH"] = try temporaryDirectory() + "/originals"
        let server = try LiveServer(environment)
        try await server.run { client, tokens in
            _ = try await client.upload(try Fixtures.bytes("photo.jpg"), to: TestHashes.md5, tokens: tokens)
            #expect(try await client.get("/\(TestHashes.md5.value)?s=60").status == .ok)
            // Once changes are followed, CDNs may keep the answer a day; while they are not,
            // no longer than the node keeps a record (metadata.cacheSeconds).
            let sharedFor = { @Sendable (seconds: Int) in
                try await poll(upTo: .seconds(5)) {
                    try await client.get("/\(TestHashes.md5.value)?s=60").headers[.cacheControl]?
                        .contains("s-maxage=\(seconds),") == true
                }
            }
            #expect(try await sharedFor(86400) != nil)

            try TestPostgres.control("stop")
            #expect(try await sharedFor(600) != nil, "with the listener down, s-maxage is capped")
            do {
                let cached = try await client.get("/\(TestHashes.md5.value)?s=60")
                let cachedOtherSize = try await client.get("/\(TestHashes.md5.value)?s=61")
                let unknown = try await client.get("/\(TestHashes.other.value)?s=60")
                let ready = try await client.get("/readyz")
                print(
                    "postgres outage: cached \(cached.status.code), cached record new size \(cachedOtherSize.status.code), "
                        + "uncached \(unknown.status.code) (Retry-After \(unknown.headers[.retryAfter] ?? "-")), readyz \(ready.status.code)")
                #expect(cached.status == .ok && cachedOtherSize.status == .ok)
                #expect(unknown.status == .serviceUnavailable && unknown.headers[.retryAfter] != nil)
                #expect(ready.status == .serviceUnavailable)
                let upload = try await client.upload(try Fixtures.bytes("photo.png"), to: TestHashes.sha1, tokens: tokens)
                #expect(upload.status == .serviceUnavailable)
            }
            try TestPostgres.control("start")
            let recovered = try await poll(upTo: .seconds(15)) { try await client.get("/readyz").status == .ok }
            print("postgres outage: recovered after \(recovered?.milliseconds ?? -1) ms")
            #expect(recovered != nil)
            #expect(try await sharedFor(86400) != nil, "listening again, the cap is gone")
            #expect(try await client.get("/\(TestHashes.other.value)?s=60").status == .notFound)
            let upload = try await client.upload(try Fixtures.bytes("photo.png"), to: TestHashes.sha1, tokens: tokens)
            #expect(upload.status == .created)
        }
    }
}
