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
