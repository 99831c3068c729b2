import AvatarApp
import AvatarCore
import AvatarTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import S3
import Testing

/// Environment for a node on PostgreSQL metadata and the shared S3 bucket.
func sharedEnvironment(database: String, s3: TestS3, prefix: String, cacheSeconds: Int = 600) -> [String: String] {
    s3Environment(s3, prefix: prefix).merging([
        "AVATARS_METADATA_BACKEND": "postgres",
        "AVATARS_POSTGRES_URL": database,
        "AVATARS_METADATA_CACHE_SECONDS": String(cacheSeconds),
    ]) { $1 }
}

/// Asks `condition` every 20 ms for up to `limit`; answers how long after the start the attempt
/// that held was sent (the other node already knew then), so a slow render in a loaded test run
/// does not count as a late notification.
func poll(upTo limit: Duration = .seconds(5), _ condition: () async throws -> Bool) async throws -> Duration? {
    let start = ContinuousClock.now
    while ContinuousClock.now - start < limit {
        let attempt = ContinuousClock.now
        if try await condition() { return attempt - start }
        try await Task.sleep(for: .milliseconds(20))
    }
    return nil
}

extension Duration {
    var milliseconds: Int { Int(components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000) }
}

@Suite struct PostgresNodesTests {
    let s3: TestS3
    let postgres: TestPostgres

    init() throws {
        s3 = try TestS3.fromEnvironment()
        postgres = try TestPostgres.fromEnvironment()
    }

    /// B answers 404 (and caches that), A uploads, re-uploads and deletes; B follows each
    /// step through notifications alone (its cache would otherwise hold for 600 s).
    func followTheOtherNode(
        _ a: any TestClientProtocol, _ b: any TestClientProtocol, tokens: UploadTokensBox, hash: AvatarHash, label: String
    ) async throws {
        let uri = "/\(hash.value)?s=40"
        #expect(try await b.get(uri).status == .notFound)
        let first = try await a.upload(try Fixtures.bytes("photo.jpg"), to: hash, tokens: tokens.tokens)
        let v1 = try #require(first.json["version"] as? String)
        let seen = try await poll { try await b.get(uri).status == .ok }
        let second = try await a.upload(try Fixtures.bytes("photo.png"), to: hash, tokens: tokens.tokens)
        let v2 = try #require(second.json["version"] as? String)
        #expect(v1 != v2)
        let replaced = try await poll { try await b.get(uri).headers[.eTag]?.contains(v2) == true }
        let token = try await tokens.tokens.token(for: hash, ttl: 60)
        let deleted = try await a.executeRequest(uri: "/\(hash.value)?token=\(token)", method: .delete, headers: [:], body: nil)
        #expect(deleted.status == .noContent)
        let gone = try await poll { try await b.get(uri).status == .notFound }
        print(
            "two-node latency (\(label)): upload visible \(seen?.milliseconds ?? -1) ms, re-upload \(replaced?.milliseconds ?? -1) ms, "
                + "delete \(gone?.milliseconds ?? -1) ms")
        #expect(seen != nil && replaced != nil && gone != nil)
        #expect((seen ?? .seconds(9)) < .seconds(1) && (replaced ?? .seconds(9)) < .seconds(1) && (gone ?? .seconds(9)) < .seconds(1))
    }

    @Test func twoNodesAgreeWithinASecondAndAfterTheListenerIsKilled() async throws {
        let database = try await postgres.freshDatabase()
        let prefix = TestS3.uniquePrefix("two nodes")
        let nodeA = try LiveServer(sharedEnvironment(database: database.text, s3: s3, prefix: prefix))
        let nodeB = try LiveServer(sharedEnvironment(database: database.text, s3: s3, prefix: prefix))
        try await nodeA.run { a, tokens in
            try await nodeB.run { b, _ in
                let box = UploadTokensBox(tokens: tokens)
                try await followTheOtherNode(a, b, tokens: box, hash: TestHashes.md5, label: "first")

                try await postgres.execute(
                    """
                    SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                    WHERE application_name = 'avatars-listener' AND datname = '\(database.url.database!)'
                    """)
                // Both nodes listen again (and clear their caches) after their backoff.
                let back = try await poll(upTo: .seconds(10)) {
                    nodeA.logs.all.contains { $0.message.contains("listening for avatar changes again") }
                        && nodeB.logs.all.contains { $0.message.contains("listening for avatar changes again") }
                }
                #expect(back != nil)
                try await followTheOtherNode(a, b, tokens: box, hash: TestHashes.sha1, label: "after the listener was killed")
            }
        }
    }

    /// A re-crop on A: B shows the new square within a second, and the bucket still holds
    /// the one original, byte for byte.
    @Test func aRecropOnOneNodeIsSeenOnTheOtherWithinASecond() async throws {
        let (nodeA, nodeB, prefix) = try await twoNodes("recrop")
        let hash = TestHashes.md5
        try await nodeA.run { a, tokens in
            try await nodeB.run { b, _ in
                let quadrants = try Fixtures.bytes("quadrants.png")
                _ = try await a.upload(quadrants, to: hash, tokens: tokens, query: "?crop=0,0,100,50")
                let shown = try await poll { near(try await b.middle(hash), quadrantColours[0].rgb) }
                #expect(shown != nil)
                let objects = try await listing(s3, prefix: prefix)
                let patched = try await a.patch(hash, tokens: tokens, query: "?crop=100,50,100,50")
                #expect(patched.status == .ok)
                let seen = try await poll { near(try await b.middle(hash), quadrantColours[3].rgb) }
                print("two-node latency: re-crop visible \(seen?.milliseconds ?? -1) ms")
                #expect(seen != nil && (seen ?? .seconds(9)) < .seconds(1))
                #expect(try await listing(s3, prefix: prefix) == objects && objects.count == 1)
                let key = try #require(objects.first)
                #expect(try await object(s3, key: prefix + key) == quadrants)
            }
        }
    }

    /// Two nodes on a fresh database and one bucket prefix.
    func twoNodes(_ label: String) async throws -> (LiveServer, LiveServer, String) {
        let database = try await postgres.freshDatabase()
        let prefix = TestS3.uniquePrefix(label)
        let environment = sharedEnvironment(database: database.text, s3: s3, prefix: prefix)
        return (try LiveServer(environment), try LiveServer(environment), prefix)
    }

    @Test func concurrentUploadsOfOneHashFromTwoNodesLeaveOneVersionEverywhere() async throws {
        let (nodeA, nodeB, prefix) = try await twoNodes("race")
        let hash = TestHashes.sha256
        try await nodeA.run { a, tokens in
            try await nodeB.run { b, _ in
                let images = ["photo.jpg", "photo.png", "photo.webp", "alpha.png", "cmyk.jpg", "animated.gif"]
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (position, name) in images.enumerated() {
                        let node = position % 2 == 0 ? a : b
                        group.addTask {
                            // The centre square's version is the original's name, so ETags name objects.
                            let response = try await node.upload(
                                try Fixtures.bytes(name), to: hash, tokens: tokens, query: "?crop=centre")
                            #expect([.created, .ok].contains(response.status), "\(String(buffer: response.body))")
                        }
                    }
                    try await group.waitForAll()
                }
                let settledA = try await poll { try await a.get("/\(hash.value)?s=20").status == .ok }
                #expect(settledA != nil)
                let tagA = try await a.get("/\(hash.value)?s=20").headers[.eTag]
                let agreed = try await poll { try await b.get("/\(hash.value)?s=20").headers[.eTag] == tagA }
                #expect(agreed != nil)
                let objects = try await listing(s3, prefix: prefix)
                #expect(objects.count == 1, "\(objects)")
                #expect(tagA?.contains(objects.first?.split(separator: "/").last.map(String.init) ?? "-") == true)
            }
        }
    }

    /// The consistency property on PostgreSQL + S3: rounds of concurrent uploads and deletes
    /// of one hash from two nodes; after each, the bucket holds exactly the original the
    /// record points at (none when there is no record).
    @Test func concurrentUploadsAndDeletesFromTwoNodesKeepRecordAndOriginalsInStep() async throws {
        let (nodeA, nodeB, prefix) = try await twoNodes("consistency")
        let hash = TestHashes.sha1
        try await nodeA.run { a, tokens in
            try await nodeB.run { b, _ in
                let images = try ["photo.jpg", "photo.png", "alpha.png"].map { try Fixtures.bytes($0) }
                var generator = SeededGenerator(seed: 7)
                for round in 0..<30 {
                    let operations = (0..<8).map { _ in (Int.random(in: 0..<4, using: &generator), Bool.random(using: &generator)) }
                    // Each on a connection of its own: the test client sends one request at a time.
                    let ports = [try #require(a.port), try #require(b.port)]
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for (operation, onB) in operations {
                            let port = ports[onB ? 1 : 0]
                            group.addTask {
                                let token = try await tokens.token(for: hash, ttl: 60)
                                if operation == 3 {
                                    _ = try await RawHTTP.exchange(
                                        port: port, head: "DELETE /\(hash.value)?token=\(token) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
                                        body: [], timeout: 10)
                                } else {
                                    _ = try await RawHTTP.exchange(
                                        port: port,
                                        // The centre square's version is the original's name, so ETags name objects.
                                        head: "PUT /\(hash.value)?crop=centre HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\n"
                                            + "Content-Length: \(images[operation].count)\r\nConnection: close\r\n\r\n",
                                        body: images[operation], timeout: 10)
                                }
                            }
                        }
                        try await group.waitForAll()
                    }
                    // The record as node A sees it once notifications have arrived, against the bucket.
                    let agreed = try await poll(upTo: .seconds(3)) {
                        let objects = try await listing(s3, prefix: prefix)
                        let answer = try await a.get("/\(hash.value)?s=20")
                        if answer.status == .notFound { return objects.isEmpty }
                        guard objects.count == 1, let version = objects.first?.split(separator: "/").last else { return false }
                        return answer.headers[.eTag]?.contains(String(version)) == true
                    }
                    let bucket = try await listing(s3, prefix: prefix)
                    #expect(agreed != nil, "round \(round): \(operations), bucket \(bucket)")
                }
            }
        }
        let config = try await AppConfig.load(file: "/nonexistent.json", required: false, environment: nodeA.environment)
        let report = try await StoreCheck.run(config: config, repair: false, minAge: 0, logger: Logger(label: "check"))
        #expect(report.isConsistent && report.orphans.isEmpty && report.originals == report.records, "\(report)")
    }

    /// Each change holds a pooled connection for its lock while its queries need another: with
    /// a pool of two, concurrent uploads of distinct hashes still all finish.
    @Test func concurrentChangesNeverTakeEveryConnectionOfThePool() async throws {
        let database = try await postgres.freshDatabase()
        var environment = sharedEnvironment(database: database.text, s3: s3, prefix: TestS3.uniquePrefix("small pool"))
        environment["AVATARS_POSTGRES_MAX_CONNECTIONS"] = "2"
        let node = try LiveServer(environment)
        try await node.run { client, tokens in
            let port = try #require(client.port)
            let photo = try Fixtures.bytes("photo.png")
            let statuses = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        let hash = AvatarHash((0..<32).map { _ in String(Int.random(in: 0..<16), radix: 16) }.joined())!
                        let token = try await tokens.token(for: hash, ttl: 60)
                        let answer = try await RawHTTP.exchange(
                            port: port,
                            head: "PUT /\(hash.value) HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\n"
                                + "Content-Length: \(photo.count)\r\nConnection: close\r\n\r\n",
                            body: photo, timeout: 30)
                        return String(answer.prefix(12))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.allSatisfy { $0 == "HTTP/1.1 201" }, "\(statuses)")
        }
    }

    /// `avatars check` on PostgreSQL + S3: a record whose object is gone, and an object no
    /// record points at, which `--repair` removes once old enough.
    @Test func theCheckFindsMissingObjectsAndRemovesOrphansInTheBucket() async throws {
        let (node, _, prefix) = try await twoNodes("check")
        try await node.run { client, tokens in
            for (name, hash) in [("photo.jpg", TestHashes.md5), ("photo.png", TestHashes.sha1)] {
                let bytes = try Fixtures.bytes(name)
                let response = try await client.upload(bytes, to: hash, tokens: tokens)
                #expect(response.status == .created)
            }
        }
        let objects = try await listing(s3, prefix: prefix)
        let client = S3Client(settings: S3Settings(
            endpoint: URL(string: s3.endpoint)!, bucket: s3.bucket,
            credentials: S3Credentials(accessKeyId: s3.accessKey, secretAccessKey: s3.secretKey)))
        let missing = try #require(objects.first { $0.hasPrefix(TestHashes.md5.value) })
        try await client.deleteObject(prefix + missing)
        let orphan = "\(TestHashes.sha256.value)/\(OriginalVersion.of([1, 2]))"
        try await client.putObject(prefix + orphan, bytes: .init(bytes: [1, 2]), contentType: "image/png")
        try await client.shutdown()

        let config = try await AppConfig.load(file: "/nonexistent.json", required: false, environment: node.environment)
        let young = try await StoreCheck.run(config: config, repair: true, minAge: 3600, logger: Logger(label: "check"))
        #expect(young.missingOriginals == [missing] && young.orphans == [prefix + orphan] && young.repaired == 0)
        #expect(young.records == 2 && young.originals == 2)
        let repaired = try await StoreCheck.run(config: config, repair: true, minAge: 0, logger: Logger(label: "check"))
        #expect(repaired.repaired == 1 && !repaired.isConsistent)
        #expect(try await listing(s3, prefix: prefix) == objects.filter { $0 != missing })
    }

    @Test func aMissingJWTSecretStopsStartUpOnPostgres() async throws {
        let database = try await postgres.freshDatabase()
        var environment = [
            "AVATARS_METADATA_BACKEND": "postgres", "AVATARS_POSTGRES_URL": database.text,
            "AVATARS_STORAGE_PATH": try temporaryDirectory() + "/originals",
        ]
        environment["AVATARS_CACHE_PATH"] = try temporaryDirectory() + "/cache"
        let config = try await AppConfig.load(file: "/nonexistent.json", required: false, environment: environment)
        #expect(config.generatedSecretPath == nil)
        await #expect(throws: (any Error).self) {
            _ = try await AvatarApplication(config: config, logger: .init(label: "no-secret"))
        }
    }
}

