import AvatarCore
import AvatarTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// `avatars import` into PostgreSQL + S3 while a node serves them: the node sees each import
/// at once (its records are otherwise cached for 600 s), and a second run skips everything.
@Suite struct ImportSharedTests {
    let s3: TestS3
    let postgres: TestPostgres

    init() throws {
        s3 = try TestS3.fromEnvironment()
        postgres = try TestPostgres.fromEnvironment()
    }

    @Test func aServingNodeSeesImportsAtOnce() async throws {
        let database = try await postgres.freshDatabase()
        let environment = sharedEnvironment(database: database.text, s3: s3, prefix: TestS3.uniquePrefix("import"))
        let node = try LiveServer(environment)
        let source = try importSource([
            "\(TestHashes.md5.value).jpg": try Fixtures.bytes("photo.jpg"),
            "\(TestHashes.sha256.value).png": try Fixtures.bytes("photo.png"),
            "jane@example.com.gif": try Fixtures.bytes("moving.gif"),
            "ffffffffffffffffffffffffffffffff.jpg": Array("broken".utf8),
        ], in: try temporaryDirectory("avatars-import-shared"))
        let work = try temporaryDirectory("avatars-import-shared-work")
        let jane = try #require(AvatarHash("9e26471d35a78862c17e467d87cddedf"))
        try await node.run { client, _ in
            for hash in [TestHashes.md5, jane] {
                #expect(try await client.get("/\(hash.value)?s=40").status == .notFound, "a 404 the node now caches")
            }
            let run = try await AvatarsCommand.run(["import", source, "--hash", "md5"], environment: node.environment, directory: work)
            #expect(run.status == 1 && run.output.contains("imported 3, skipped 0 (already held the same bytes), failed 1 of 4"), "\(run.output) \(run.errors)")
            #expect(try reportRows(work + "/import-report.csv") == ["ffffffffffffffffffffffffffffffff,ffffffffffffffffffffffffffffffff.jpg,unsupported_media_type"])
            for hash in [TestHashes.md5, TestHashes.sha256, jane] {
                let seen = try await poll(upTo: .seconds(2)) { try await client.get("/\(hash.value)?s=40").status == .ok }
                #expect(seen != nil, "\(hash) is seen through the change notification")
            }
            let again = try await AvatarsCommand.run(
                ["import", source, "--hash", "md5", "--report", work + "/again.csv"], environment: node.environment)
            #expect(again.output.contains("imported 0, skipped 3"), "\(again.output) \(again.errors)")
        }
    }
}
