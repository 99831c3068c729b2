import AvatarCore
import AvatarTestSupport
import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Files laid out for an import: written under `directory`, returned as its path.
func importSource(_ files: [String: [UInt8]], in directory: String) throws -> String {
    for (name, bytes) in files {
        let path = (directory as NSString).appendingPathComponent(name)
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
    return directory
}

/// The rows of an import report after its header, as sets of `key,path,reason`.
func reportRows(_ path: String) throws -> Set<String> {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let lines = text.split(separator: "\r\n").map(String.init)
    #expect(lines.first == "key,path,reason")
    return Set(lines.dropFirst())
}

/// `avatars import` against the embedded default: counts, report, exit status, resuming,
/// e-mail hashing and usage errors. The PostgreSQL + S3 run is in `ImportSharedTests`.
@Suite struct ImportTests {
    static let photo = TestHashes.md5
    static let png = TestHashes.sha256
    static let moving = TestHashes.sha1

    /// A source with three good files and one of each kind of bad one.
    func mixedDirectory() throws -> String {
        let jpeg = try Fixtures.bytes("photo.jpg")
        var oversized = Array(jpeg.prefix(4))
        oversized += [UInt8](repeating: 0x41, count: 300_000)
        let directory = try importSource([
            "\(Self.photo.value).jpg": jpeg,
            "\(Self.png.value).png": try Fixtures.bytes("photo.png"),
            "\(Self.moving.value).gif": try Fixtures.bytes("moving.gif"),
            "ffffffffffffffffffffffffffffffff.png": Array("not an image at all".utf8),
            "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee.jpg": Array(jpeg.prefix(2000)),
            "dddddddddddddddddddddddddddddddd.jpg": oversized,
            "not-a-key.jpg": jpeg,
            "two@at@example.com.jpg": jpeg,
        ], in: try temporaryDirectory("avatars-import-source"))
        // A FIFO would block a reader that opened it as a file: it is reported, never waited on.
        #expect(mkfifo(directory + "/cccccccccccccccccccccccccccccccc.jpg", 0o600) == 0)
        return directory
    }

    @Test func aDirectoryIsImportedWhileANodeServesThenSkippedThenForced() async throws {
        let server = try LiveServer(["AVATARS_METADATA_CACHE_SECONDS": "1", "AVATARS_IMAGES_MAX_UPLOAD_BYTES": "200000"])
        let source = try mixedDirectory()
        let work = try temporaryDirectory("avatars-import-work")
        try await server.run { client, _ in
            #expect(try await client.get("/\(Self.photo.value)?s=40").status == .notFound)
            let first = try await AvatarsCommand.run(["import", source], environment: server.environment, directory: work)
            #expect(first.status == 1, "\(first.errors)")
            #expect(first.output.contains("imported 3, skipped 0 (already held the same bytes), failed 6 of 9"), "\(first.output)")
            #expect(first.errors.contains("import: 9/9 done"), "plain progress lines when not on a terminal")
            #expect(try reportRows(work + "/import-report.csv") == [
                "ffffffffffffffffffffffffffffffff,ffffffffffffffffffffffffffffffff.png,unsupported_media_type",
                "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee,eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee.jpg,unprocessable_image",
                "dddddddddddddddddddddddddddddddd,dddddddddddddddddddddddddddddddd.jpg,payload_too_large",
                "cccccccccccccccccccccccccccccccc,cccccccccccccccccccccccccccccccc.jpg,unreadable_file",
                "not-a-key,not-a-key.jpg,invalid_key",
                "two@at@example.com,two@at@example.com.jpg,invalid_key",
            ])
            // The serving node sees the import once its cached 404 expires (metadata.cacheSeconds).
            let seen = try await poll(upTo: .seconds(5)) { try await client.get("/\(Self.photo.value)?s=40").status == .ok }
            #expect(seen != nil)
            #expect(try await client.get("/\(Self.moving.value).gif?s=20").headers[.contentType] == "image/gif")
            for hash in ["ffffffffffffffffffffffffffffffff", "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee", "dddddddddddddddddddddddddddddddd"] {
                #expect(try await client.get("/info/\(hash)").status == .notFound, "\(hash) stored nothing")
            }

            let again = try await AvatarsCommand.run(
                ["import", source, "--jobs", "1", "--report", work + "/again.csv"], environment: server.environment)
            #expect(again.status == 1 && again.output.contains("imported 0, skipped 3"), "\(again.output)")
            #expect(try reportRows(work + "/again.csv").count == 6)
            let version = try await client.get("/info/\(Self.photo.value)").json["version"] as? String
            let forced = try await AvatarsCommand.run(
                ["import", source, "--force", "--report", work + "/forced.csv"], environment: server.environment)
            #expect(forced.output.contains("imported 3, skipped 0"), "\(forced.output)")
            #expect(try await client.get("/info/\(Self.photo.value)").json["version"] as? String == version, "the same bytes, the same version")
        }
        let clean = try importSource(["\(Self.photo.value).jpg": try Fixtures.bytes("photo.jpg")], in: try temporaryDirectory("avatars-import-clean"))
        let ok = try await AvatarsCommand.run(["import", clean, "--report", work + "/clean.csv"], environment: server.environment)
        #expect(ok.status == 0 && ok.output.contains("skipped 1"), "nothing failed: exit 0")
    }

    func hex(_ bytes: some Sequence<UInt8>) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    @Test(arguments: ["md5", "sha256", "hmac-sha256"])
    func aManifestWithQuotedCropsAndAddressesHashedEachWay(method: String) async throws {
        let server = try LiveServer()
        let directory = try temporaryDirectory("avatars-import-manifest")
        let keyFile = directory + "/site-key"
        _ = try await AvatarsCommand.run(["hash", "--init-key", "--key-file", keyFile], environment: server.environment)
        let key = try String(contentsOfFile: keyFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        _ = try importSource([
            "photos/photo.jpg": try Fixtures.bytes("photo.jpg"), "photos/photo.png": try Fixtures.bytes("photo.png"),
        ], in: directory)
        let manifest = """
            key,path,rating,crop\r
            jane@example.com,photos/photo.jpg,pg,"10,20,100,100"\r
            " Bob@Example.COM",photos/photo.png,,\r
            \(TestHashes.other.value),photos/missing.jpg,,\r
            \(TestHashes.md5.value),photos/photo.jpg,z,\r
            \(TestHashes.sha1.value),photos/photo.jpg,,"1,2,3"\r
            "a ""quoted"" key",photos/photo.jpg,,\r
            ffffffffffffffffffffffffffffffff,,,\r

            """
        try manifest.write(toFile: directory + "/manifest.csv", atomically: true, encoding: .utf8)
        let run = try await AvatarsCommand.run(
            ["import", directory + "/manifest.csv", "--hash", method, "--key-file", keyFile, "--report", directory + "/report.csv"],
            environment: server.environment)
        #expect(run.status == 1 && run.output.contains("imported 2, skipped 0 (already held the same bytes), failed 5 of 7"), "\(run.output) \(run.errors)")
        #expect(try reportRows(directory + "/report.csv") == [
            "\(TestHashes.other.value),photos/missing.jpg,missing_file",
            "\(TestHashes.md5.value),photos/photo.jpg,invalid_rating",
            "\(TestHashes.sha1.value),photos/photo.jpg,invalid_crop",
            "\"a \"\"quoted\"\" key\",photos/photo.jpg,invalid_key",
            "ffffffffffffffffffffffffffffffff,,missing_file",
        ])
        func expected(_ address: String) -> String {
            let bytes = Array(address.utf8)
            switch method {
            case "md5": return hex(Insecure.MD5.hash(data: bytes))
            case "sha256": return hex(SHA256.hash(data: bytes))
            default: return hex(HMAC<SHA256>.authenticationCode(for: bytes, using: SymmetricKey(data: Array(key.utf8))))
            }
        }
        let (janeHash, bobHash) = (expected("jane@example.com"), expected("bob@example.com"))
        try await server.run { client, _ in
            let jane = try await client.get("/info/\(janeHash)?r=pg")
            #expect(jane.status == .ok && jane.json["rating"] as? String == "pg")
            let crop = jane.json["crop"] as? [String: Any]
            #expect(crop?["x"] as? Int == 10 && crop?["y"] as? Int == 20 && crop?["size"] as? Int == 100, "\(jane.json)")
            let bob = try await client.get("/info/\(bobHash)")
            #expect(bob.status == .ok && bob.json["format"] as? String == "png", "trimmed and lower-cased before hashing")
        }
    }

    /// A name is its key but for an image extension, so an address without one stays whole;
    /// the report written into the source directory is never imported.
    @Test func namesWithoutAnExtensionAndAReportInTheSource() async throws {
        let server = try LiveServer()
        let source = try importSource([
            "jane@example.com": try Fixtures.bytes("photo.jpg"), "\(Self.png.value).PNG": try Fixtures.bytes("photo.png"),
        ], in: try temporaryDirectory("avatars-import-names"))
        let first = try await AvatarsCommand.run(["import", ".", "--hash", "md5"], environment: server.environment, directory: source)
        #expect(first.status == 0 && first.output.contains("imported 2, skipped 0"), "\(first.output) \(first.errors)")
        let again = try await AvatarsCommand.run(["import", ".", "--hash", "md5"], environment: server.environment, directory: source)
        #expect(again.status == 0 && again.output.contains("imported 0, skipped 2") && again.output.contains("of 2 "), "\(again.output)")
        let jane = Insecure.MD5.hash(data: Array("jane@example.com".utf8)).map { String(format: "%02x", $0) }.joined()
        try await server.run { client, _ async throws -> Void in
            #expect(try await client.get("/info/\(jane)").status == .ok)
            #expect(try await client.get("/info/\(Self.png.value)").status == .ok)
        }
    }

    @Test func usageErrorsExitWithTwoAndImportNothing() async throws {
        let server = try LiveServer()
        let directory = try importSource(["jane@example.com.jpg": try Fixtures.bytes("photo.jpg")], in: try temporaryDirectory("avatars-import-usage"))
        try "name,file\nx,y\n".write(toFile: directory + "/bad.csv", atomically: true, encoding: .utf8)
        try "key,path\n\"open,photo.jpg\n".write(toFile: directory + "/open.csv", atomically: true, encoding: .utf8)
        let cases: [[String]] = [
            ["import", directory],  // an address without --hash
            ["import", directory, "--hash", "hmac-sha256", "--key-file", directory + "/no-key"],
            ["import", directory, "--hash", "sha1"],
            ["import", directory + "/nowhere"],
            ["import", directory + "/bad.csv"],
            ["import", directory + "/open.csv"],
            ["import", directory, "--hash", "md5", "--jobs", "0"],
            ["import", directory, "--hash", "md5", "--jobs", "100000"],
            ["import", directory, "--hash", "md5", "--report", directory + "/jane@example.com.jpg/report.csv"],
            ["import"],
        ]
        for arguments in cases {
            let report = arguments.contains("--report") ? [] : ["--report", directory + "/report.csv"]
            let run = try await AvatarsCommand.run(arguments + report, environment: server.environment)
            #expect(run.status == 2, "\(arguments): \(run.errors)")
        }
        #expect(server.originalFiles.isEmpty)
    }
}
