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
            let temporary = "\(directory)/.\(key.version).\(UUID().uuidString).tmp"
            try Self.writeSynced(bytes, to: temporary, in: directory)
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

    public func inventory() async throws(AvatarError) -> [StoredItem] {
        let root = root
        return try await blocking {
            var items: [StoredItem] = []
            for fanOut in try Self.entries(of: root) {
                guard fanOut.isDirectory, fanOut.name.utf8.count == 2, AvatarHash.isLowercaseHex(fanOut.name) else {
                    items.append(StoredItem(name: fanOut.name, kind: .unrecognised, modified: fanOut.modified))
                    continue
                }
                for hashEntry in try Self.entries(of: "\(root)/\(fanOut.name)") {
                    let hashPath = "\(fanOut.name)/\(hashEntry.name)"
                    guard hashEntry.isDirectory, let hash = AvatarHash(stored: hashEntry.name),
                        hash.value.hasPrefix(fanOut.name)
                    else {
                        items.append(StoredItem(name: hashPath, kind: .unrecognised, modified: hashEntry.modified))
                        continue
                    }
                    for file in try Self.entries(of: "\(root)/\(hashPath)") {
                        items.append(StoredItem(
                            name: "\(hashPath)/\(file.name)", kind: Self.kind(of: file, in: hash), modified: file.modified))
                    }
                }
            }
            return items
        }
    }

    public func remove(_ item: StoredItem) async throws(AvatarError) {
        switch item.kind {
        case .original(let key): try await delete(key)
        case .temporary:
            let path = "\(root)/\(item.name)"
            try await blocking {
                if unlink(path) != 0 && errno != ENOENT { throw Self.posixError("unlink \(path)") }
            }
        case .unrecognised: return
        }
    }

    public func checkReady() async throws(AvatarError) {
        let root = root
        try await blocking {
            guard access(root, W_OK | R_OK | X_OK) == 0 else { throw Self.posixError("access \(root)") }
        }
    }

    /// What a file in a hash's directory is: `<version>` or `.<version>.<uuid>.tmp` (see `put`).
    private static func kind(of file: DirectoryEntry, in hash: AvatarHash) -> StoredItem.Kind {
        guard !file.isDirectory else { return .unrecognised }
        if OriginalVersion.isWellFormed(file.name) { return .original(OriginalKey(hash: hash, version: file.name)) }
        if file.name.hasPrefix("."), file.name.hasSuffix(".tmp") { return .temporary }
        return .unrecognised
    }

    private struct DirectoryEntry {
        let name: String
        let isDirectory: Bool
        let modified: Date
    }

    /// The entries of one directory with their type and mtime, not following links.
    private static func entries(of directory: String) throws -> [DirectoryEntry] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch where !FileManager.default.fileExists(atPath: directory) {
            return []  // removed while we walked: a delete emptied it
        }
        return try names.compactMap { name in
            var info = stat()
            guard lstat("\(directory)/\(name)", &info) == 0 else {
                if errno == ENOENT { return nil }  // removed while we walked
                throw posixError("lstat \(directory)/\(name)")
            }
            let modified = Date(
                timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec) + TimeInterval(info.st_mtim.tv_nsec) / 1e9)
            return DirectoryEntry(name: name, isDirectory: (info.st_mode & S_IFMT) == S_IFDIR, modified: modified)
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

    /// Writes a new file in `directory`, making the directory first.
    private static func writeSynced(_ bytes: [UInt8], to path: String, in directory: String) throws {
        var descriptor: Int32 = -1
        // `avatars check --repair` (another process) may remove the directory once it is
        // empty, between our making it and creating the file: make it again.
        for attempt in 1...3 {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch where attempt < 3 {
                continue  // a parent was removed between making it and making its child
            }
            descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if descriptor >= 0 || errno != ENOENT { break }
        }
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
