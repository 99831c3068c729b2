import AvatarCore
import Logging
import NIOCore
import S3

/// Originals as objects in an S3 bucket, keyed `<prefix><hash>/<version>`, so that a
/// record always names one exact object and nodes sharing the bucket agree.
public struct S3OriginalStore: OriginalStore {
    public let client: S3Client
    private let logger: Logger

    public init(client: S3Client, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    public var isRemote: Bool { true }

    public func objectKey(_ key: OriginalKey) -> String {
        "\(client.settings.prefix)\(key.hash.value)/\(key.version)"
    }

    public func put(_ key: OriginalKey, bytes: [UInt8], format: ImageFormat) async throws(AvatarError) {
        try await call { try await client.putObject(objectKey(key), bytes: ByteBuffer(bytes: bytes), contentType: format.contentType) }
    }

    public func get(_ key: OriginalKey) async throws(AvatarError) -> [UInt8]? {
        try await call { try await client.getObject(objectKey(key)).map { Array($0.readableBytesView) } }
    }

    public func delete(_ key: OriginalKey) async throws(AvatarError) {
        try await call { try await client.deleteObject(objectKey(key)) }
    }

    /// Every object under the prefix; uploads are single atomic puts, so there are no temporaries.
    public func inventory() async throws(AvatarError) -> [StoredItem] {
        let prefix = client.settings.prefix
        return try await call { try await client.listObjects(prefix: prefix) }.map { object in
            StoredItem(name: object.key, kind: Self.kind(of: object.key.dropFirst(prefix.count)), modified: object.lastModified)
        }
    }

    public func remove(_ item: StoredItem) async throws(AvatarError) {
        guard case .original(let key) = item.kind else { return }
        try await delete(key)
    }

    /// `<hash>/<version>` under the prefix is an original; anything else is not ours to touch.
    private static func kind(of name: Substring) -> StoredItem.Kind {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let hash = AvatarHash(stored: parts[0]),
            OriginalVersion.isWellFormed(parts[1])
        else { return .unrecognised }
        return .original(OriginalKey(hash: hash, version: String(parts[1])))
    }

    public func checkReady() async throws(AvatarError) {
        try await call { try await client.headBucket() }
    }

    /// Every S3 failure is the store being unavailable to this request; a refusal of our
    /// credentials is also logged loudly, since no retry will fix it.
    private func call<T>(_ body: () async throws -> T) async throws(AvatarError) -> T {
        do {
            return try await body()
        } catch {
            if case .forbidden(let code, let message) = error as? S3Error {
                logger.critical(
                    "S3 refused our credentials", metadata: ["code": "\(code)", "message": "\(message)", "bucket": "\(client.settings.bucket)"])
            }
            throw .storageUnavailable(reason: "\(error)")
        }
    }
}
