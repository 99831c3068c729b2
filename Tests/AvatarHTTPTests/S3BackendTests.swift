import AvatarApp
import AvatarCore
import AvatarTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import S3
import Testing

/// Environment for a node on the S3 backend of the test server, under its own prefix.
func s3Environment(_ server: TestS3, prefix: String, secret: String? = nil, timeout: Int = 10) -> [String: String] {
    [
        "AVATARS_STORAGE_BACKEND": "s3",
        "AVATARS_S3_ENDPOINT": server.endpoint,
        "AVATARS_S3_BUCKET": server.bucket,
        "AVATARS_S3_PREFIX": prefix,
        "AVATARS_S3_ACCESS_KEY_ID": server.accessKey,
        "AVATARS_S3_SECRET_ACCESS_KEY": secret ?? server.secretKey,
        "AVATARS_S3_TIMEOUT_SECONDS": String(timeout),
        "AVATARS_S3_MAX_RETRIES": "2",
    ]
}

/// The bytes of the object under `key` in the test bucket.
func object(_ server: TestS3, key: String) async throws -> [UInt8]? {
    try await observing(server) { try await $0.getObject(key).map { Array($0.readableBytesView) } }
}

func listing(_ server: TestS3, prefix: String) async throws -> [String] {
    try await observing(server) { try await $0.listObjects(prefix: prefix).map { String($0.key.dropFirst(prefix.count)) }.sorted() }
}

/// What the test reads from the bucket itself, on a client of its own. Tried up to three
/// times: under a full parallel run the test S3 server may drop a connection the client was
/// about to use, and these reads observe the system under test rather than being part of it.
private func observing<T: Sendable>(_ server: TestS3, _ read: @Sendable (S3Client) async throws -> T) async throws -> T {
    let client = S3Client(settings: S3Settings(
        endpoint: URL(string: server.endpoint)!, bucket: server.bucket,
        credentials: S3Credentials(accessKeyId: server.accessKey, secretAccessKey: server.secretKey)))
    defer { Task { try await client.shutdown() } }
    for _ in 1..<3 {
        if let value = try? await read(client) { return value }
        try await Task.sleep(for: .milliseconds(100))
    }
    return try await read(client)
}

@Suite struct S3BackendTests {
    let s3: TestS3

    init() throws {
        s3 = try TestS3.fromEnvironment()
    }

    @Test func uploadFetchReuploadDeleteKeepExactlyTheRightObjects() async throws {
        let prefix = TestS3.uniquePrefix("lifecycle")
        let server = try LiveServer(s3Environment(s3, prefix: prefix))
        let hash = TestHashes.sha256
        try await server.run { client, tokens in
            #expect(try await client.get("/readyz").status == .ok)
            let first = try await client.upload(try Fixtures.bytes("photo.jpg"), to: hash, tokens: tokens)
            #expect(first.status == .created)
            let v1 = try #require(first.json["version"] as? String)
            let o1 = try #require(first.json["original"] as? String)
            #expect(try await listing(s3, prefix: prefix) == ["\(hash.value)/\(o1)"])
            print("bucket after upload: \(try await listing(s3, prefix: prefix))")

            for size in [32, 80, 300] {
                let response = try await client.get("/\(hash.value.uppercased()).png?s=\(size)")
                #expect(response.status == .ok && ImageProbe(response.bytes)?.width == size)
            }
            // The upload made the master these sizes come from: no size read S3.
            #expect(try await metricValue("avatars_original_reads_total", in: client) == 0)

            let second = try await client.upload(try Fixtures.bytes("photo.webp"), to: hash, tokens: tokens)
            let v2 = try #require(second.json["version"] as? String)
            let o2 = try #require(second.json["original"] as? String)
            #expect(second.status == .ok && v2 != v1)
            #expect(try await listing(s3, prefix: prefix) == ["\(hash.value)/\(o2)"])
            print("bucket after re-upload: \(try await listing(s3, prefix: prefix))")
            #expect(try await client.get("/\(hash.value)?s=64").headers[.contentType] == "image/webp")

            let token = try await tokens.token(for: hash, ttl: 60)
            let deleted = try await client.executeRequest(
                uri: "/\(hash.value)", method: .delete, headers: [.authorization: "Bearer \(token)"], body: nil)
            #expect(deleted.status == .noContent)
            #expect(try await listing(s3, prefix: prefix).isEmpty)
            print("bucket after delete: \(try await listing(s3, prefix: prefix))")
            #expect(try await client.get("/\(hash.value)?s=64").status == .notFound)
        }
    }

    @Test func aSecondSizeOnAnotherNodeReadsS3OnceThenKeepsTheOriginal() async throws {
        let prefix = TestS3.uniquePrefix("second size")
        let uploader = try LiveServer(s3Environment(s3, prefix: prefix))
        try await uploader.run { client, tokens in
            _ = try await client.upload(try Fixtures.bytes("photo.png"), to: TestHashes.md5, tokens: tokens)
        }
        // A node with its own cache and metadata: only the bucket is shared with the uploader.
        let metadataCopy = try temporaryDirectory("metadata-copy")
        try FileManager.default.removeItem(atPath: metadataCopy)
        try FileManager.default.copyItem(atPath: uploader.dataDirectory + "/metadata", toPath: metadataCopy)
        var environment = s3Environment(s3, prefix: prefix)
        environment["AVATARS_METADATA_PATH"] = metadataCopy
        let reader = try LiveServer(environment)
        try await reader.run { client, _ in
            for size in [40, 90, 140] {
                let response = try await client.get("/\(TestHashes.md5.value)?s=\(size)")
                #expect(response.status == .ok)
            }
            let reads = try await metricValue("avatars_original_reads_total", in: client)
            let renders = try await metricValue("avatars_renders_total", in: client)
            let masters = try await metricValue("avatars_masters_total", in: client)
            #expect(reads == 1 && renders == 3 && masters == 1)
        }
    }

    @Test func aWrongSecretFailsReadinessAndNoUploadIsAcknowledged() async throws {
        let prefix = TestS3.uniquePrefix("wrong secret")
        let server = try LiveServer(s3Environment(s3, prefix: prefix, secret: "definitely-wrong"))
        try await server.run { client, tokens in
            let ready = try await client.get("/readyz")
            #expect(ready.status == .serviceUnavailable)
            let upload = try await client.upload(try Fixtures.bytes("photo.jpg"), to: TestHashes.md5, tokens: tokens)
            #expect(upload.status == .serviceUnavailable && upload.headers[.retryAfter] != nil)
            #expect(try await client.get("/\(TestHashes.md5.value)").status == .notFound)
        }
        #expect(server.logs.all.contains { $0.level == .critical && $0.message.contains("S3 refused our credentials") })
        #expect(try await listing(s3, prefix: prefix).isEmpty)
    }

    @Test func aMissingJWTSecretStopsStartUpOnS3() async throws {
        var environment = s3Environment(s3, prefix: TestS3.uniquePrefix("no secret"))
        environment["AVATARS_STORAGE_PATH"] = try temporaryDirectory() + "/originals"
        let config = try await AppConfig.load(file: "/nonexistent.json", required: false, environment: environment)
        #expect(config.generatedSecretPath == nil)
        await #expect(throws: (any Error).self) {
            _ = try await AvatarApplication(config: config, logger: .init(label: "no-secret"))
        }
    }
}

/// Stops the shared S3 server, so it runs alone (`scripts/test` gives it its own invocation).
@Suite(.serialized) struct S3OutageTests {
    @Test func cachedRendersSurviveAnOutageAndUncachedOnesAre503UntilS3IsBack() async throws {
        let s3 = try TestS3.fromEnvironment()
        let pid = try #require(s3.pid, "AVATARS_TEST_S3_PID names the server to stop")
        let prefix = TestS3.uniquePrefix("outage")
        // One node uploads; the node under test shares the bucket and a copy of the records,
        // so it has never read the second original and must fetch it from S3.
        let uploader = try LiveServer(s3Environment(s3, prefix: prefix))
        try await uploader.run { client, tokens in
            _ = try await client.upload(try Fixtures.bytes("photo.jpg"), to: TestHashes.md5, tokens: tokens)
            _ = try await client.upload(try Fixtures.bytes("photo.png"), to: TestHashes.sha1, tokens: tokens)
        }
        let metadataCopy = try temporaryDirectory("metadata-copy")
        try FileManager.default.removeItem(atPath: metadataCopy)
        try FileManager.default.copyItem(atPath: uploader.dataDirectory + "/metadata", toPath: metadataCopy)
        var environment = s3Environment(s3, prefix: prefix, timeout: 2)
        environment["AVATARS_METADATA_PATH"] = metadataCopy
        let server = try LiveServer(environment)
        try await server.run { client, _ in
            #expect(try await client.get("/\(TestHashes.md5.value)?s=50").status == .ok)
            kill(pid, SIGSTOP)
            defer { kill(pid, SIGCONT) }
            let cached = try await client.get("/\(TestHashes.md5.value)?s=50")
            #expect(cached.status == .ok && cached.originCache == "HIT")
            let started = ContinuousClock.now
            let uncached = try await client.get("/\(TestHashes.sha1.value)?s=51")
            let waited = ContinuousClock.now - started
            print("outage: cached render \(cached.status.code), uncached render \(uncached.status.code) after \(waited)")
            #expect(uncached.status == .serviceUnavailable && uncached.headers[.retryAfter] != nil)
            #expect(waited >= .seconds(1) && waited < .seconds(8))
            #expect(try await client.get("/readyz").status == .serviceUnavailable)

            kill(pid, SIGCONT)
            var recovered = false
            for _ in 0..<20 where !recovered {
                recovered = try await client.get("/readyz").status == .ok
                if !recovered { try await Task.sleep(for: .milliseconds(250)) }
            }
            #expect(recovered)
            let after = try await client.get("/\(TestHashes.sha1.value)?s=51")
            print("outage: after S3 resumed, uncached render \(after.status.code)")
            #expect(after.status == .ok)
        }
    }
}
