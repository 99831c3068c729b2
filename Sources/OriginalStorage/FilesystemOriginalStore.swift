import AvatarCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Originals as files under one directory: `<root>/<hash[0..<2]>/<hash>/<version>`.
/// Writes go to a temporary file that is fsynced and renamed into place, so a crash
/// never leaves a partial original under a real name, and a put returns only once the file
/// and every directory entry leading to it are on disk.
public struct FilesystemOriginalStore: OriginalStore {
    public let root: String
    private let pool: BlockingWorkPool

    public init(root: String, pool: BlockingWorkPool) throws {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        self.root = root
        self.pool = pool
    }

    public var isRemote: Bool { false }

    func directory(for hash: AvatarHash) -> String {
        "\(root)/\(hash.value.prefix(2))/\(hash.value)"
    }

    func path(for key: OriginalKey) -> String {
        "\(directory(for: key.hash))/\(key.version)"
    }

    public func put(_ key: OriginalKey, bytes: [UInt8], format: ImageFormat) async throws(AvatarError) {
        let directory = directory(for: key.hash)
        let target = path(for: key)
        let root = root
        try await blocking {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let temporary = "\(directory)/.\(key.version).\(UUID().uuidString).tmp"
            try Self.writeSynced(bytes, to: temporary)
            guard rename(temporary, target) == 0 else {
                let error = Self.posixError("rename \(target)")
                unlink(temporary)
                throw error
            }
            // The rename's entry, and the entries of directories this put may have made,
            // are durable only once each directory holding them is synced.
            let fanOut = (directory as NSString).deletingLastPathComponent
            for holder in [directory, fanOut, root] { try Self.syncDirectory(holder) }
        }
    }

    public func get(_ key: OriginalKey) async throws(AvatarError) -> [UInt8]? {
        let path = path(for: key)
        return try await blocking {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            if descriptor < 0 {
                if errno == ENOENT { return nil }
                throw Self.posixError("open \(path)")
            }
            defer { close(descriptor) }
            var info = stat()
            guard fstat(descriptor, &info) == 0 else { throw Self.posixError("fstat \(path)") }
            let size = Int(info.st_size)
            var bytes = [UInt8](repeating: 0, count: size)
            var offset = 0
            while offset < size {
                let count = bytes.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + offset, size - offset) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { throw Self.posixError("read \(path)") }
                offset += count
            }
            return bytes
        }
    }

    public func delete(_ key: OriginalKey) async throws(AvatarError) {
        let path = path(for: key)
        let directory = directory(for: key.hash)
        try await blocking {
            if unlink(path) != 0 && errno != ENOENT { throw Self.posixError("unlink \(path)") }
            // Empty hash and fan-out directories go too; they are recreated by the next put.
            rmdir(directory)
            rmdir((directory as NSString).deletingLastPathComponent)
        }
    }

    public func checkReady() async throws(AvatarError) {
        let root = root
        try await blocking {
            guard access(root, W_OK | R_OK | X_OK) == 0 else { throw Self.posixError("access \(root)") }
        }
    }

    private func blocking<T: Sendable>(_ body: @Sendable @escaping () throws -> T) async throws(AvatarError) -> T {
        do {
            return try await pool.run(body)
        } catch let error as AvatarError {
            throw error
        } catch {
            throw .storageUnavailable(reason: "\(error)")
        }
    }

    private static func writeSynced(_ bytes: [UInt8], to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw posixError("open \(path)") }
        defer { close(descriptor) }
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, bytes.count - offset) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                let error = posixError("write \(path)")
                unlink(path)
                throw error
            }
            offset += count
        }
        guard fsync(descriptor) == 0 else {
            let error = posixError("fsync \(path)")
            unlink(path)
            throw error
        }
    }

    private static func syncDirectory(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw posixError("open \(path)") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw posixError("fsync \(path)") }
    }

    private static func posixError(_ operation: String) -> AvatarError {
        .storageUnavailable(reason: "\(operation): \(String(cString: strerror(errno)))")
    }
}
