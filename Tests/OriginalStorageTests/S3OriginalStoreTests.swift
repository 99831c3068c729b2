import AvatarCore
import AvatarTestSupport
import Foundation
import Logging
import OriginalStorage
import S3
import Testing

/// Against the signature-checking S3 server the test command starts.
@Suite struct S3OriginalStoreTests {
    let server: TestS3

    init() throws {
        server = try TestS3.fromEnvironment()
    }

    func client(prefix: String, secret: String? = nil, pathStyle: Bool = true) -> S3Client {
        var settings = S3Settings(
            endpoint: URL(string: server.endpoint)!, bucket: server.bucket,
            credentials: S3Credentials(accessKeyId: server.accessKey, secretAccessKey: secret ?? server.secretKey),
            pathStyle: pathStyle)
        settings.prefix = prefix
        settings.timeout = .seconds(5)
        return S3Client(settings: settings)
    }

    @Test func objectsRoundTripUnderAPrefixWithASlash() async throws {
        let prefix = TestS3.uniquePrefix("round trip")
        let client = client(prefix: prefix)
        let store = S3OriginalStore(client: client, logger: Logger(label: "s3-test"))
        let hash = AvatarHash("0123456789ABCDEF0123456789abcdef")!
        let key = OriginalKey(hash: hash, version: "v1")
        try await store.checkReady()
        #expect(try await store.get(key) == nil)
        try await store.put(key, bytes: [1, 2, 3], format: .png)
        try await store.put(OriginalKey(hash: hash, version: "v2"), bytes: [4], format: .png)
        #expect(try await store.get(key) == [1, 2, 3])
        #expect(try await client.listObjects(prefix: prefix).map(\.key).sorted() == [
            "\(prefix)0123456789abcdef0123456789abcdef/v1", "\(prefix)0123456789abcdef0123456789abcdef/v2",
        ])
        try await store.delete(key)
        try await store.delete(key)
        #expect(try await store.get(key) == nil)
        #expect(try await client.listObjects(prefix: prefix).map(\.key) == ["\(prefix)0123456789abcdef0123456789abcdef/v2"])
        try await client.shutdown()
    }

    @Test func theInventoryListsOriginalsWithTheirTimesAndLeavesStrangersAlone() async throws {
        let prefix = TestS3.uniquePrefix("inventory")
        let client = client(prefix: prefix)
        let store = S3OriginalStore(client: client, logger: Logger(label: "s3-test"))
        let hash = AvatarHash("0123456789abcdef0123456789abcdef")!
        let key = OriginalKey(hash: hash, version: OriginalVersion.of([1]))
        let before = Date().addingTimeInterval(-60)
        try await store.put(key, bytes: [1], format: .png)
        try await client.putObject("\(prefix)\(hash.value)/not-a-version", bytes: .init(string: "x"), contentType: "text/plain")
        try await client.putObject("\(prefix)stray", bytes: .init(string: "x"), contentType: "text/plain")
        let items = try await store.inventory()
        let byName = Dictionary(uniqueKeysWithValues: items.map { ($0.name, $0) })
        #expect(items.count == 3)
        #expect(byName["\(prefix)\(hash.value)/\(key.version)"]?.kind == .original(key))
        #expect(byName["\(prefix)\(hash.value)/not-a-version"]?.kind == .unrecognised)
        #expect(byName["\(prefix)stray"]?.kind == .unrecognised)
        #expect(items.allSatisfy { ($0.modified ?? .distantPast) > before })
        for item in items { try await store.remove(item) }
        #expect(try await client.listObjects(prefix: prefix).map(\.key).sorted() == [
            "\(prefix)\(hash.value)/not-a-version", "\(prefix)stray",
        ])
        for name in ["\(hash.value)/not-a-version", "stray"] { try await client.deleteObject(prefix + name) }
        try await client.shutdown()
    }

    @Test func keysWithReservedAndUnicodeCharactersAreSignedCorrectly() async throws {
        let prefix = TestS3.uniquePrefix("odd keys")
        let client = client(prefix: "")
        for name in ["a+b", "with space", "ключ", "x=y&z", "Mixed/Case/Path"] {
            let key = prefix + name
            try await client.putObject(key, bytes: .init(string: name), contentType: "text/plain")
            #expect(try await client.getObject(key).map { String(buffer: $0) } == name)
        }
        #expect(try await client.listObjects(prefix: prefix).count == 5)
        for name in ["a+b", "with space", "ключ", "x=y&z", "Mixed/Case/Path"] { try await client.deleteObject(prefix + name) }
        try await client.shutdown()
    }

    @Test func aWrongSecretIsForbiddenAndNothingIsStored() async throws {
        let prefix = TestS3.uniquePrefix("wrong secret")
        let wrong = client(prefix: prefix, secret: "not-the-secret")
        await #expect(throws: S3Error.self) { try await wrong.headBucket() }
        do {
            try await wrong.putObject(prefix + "k", bytes: .init(string: "x"), contentType: "text/plain")
            Issue.record("a badly signed PUT was accepted")
        } catch {
            guard case .forbidden(let code, _) = error else { Issue.record("expected forbidden, got \(error)"); return }
            #expect(!code.isEmpty)
        }
        let right = client(prefix: prefix)
        #expect(try await right.listObjects(prefix: prefix).isEmpty)
        try await wrong.shutdown()
        try await right.shutdown()
    }
}
