import AvatarCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Excludes changes of one hash across processes on one machine: a server and
/// `avatars check --repair` share the embedded store, and an in-process lock cannot see the
/// other process. One lock file per first byte of the hash (`<metadata.path>/change-locks/<xx>`),
/// held with `flock` on a descriptor of its own for the length of the change, so it also
/// excludes other changes in this process that fall on the same file. A process that dies
/// drops its locks with its descriptors.
struct ChangeLockFiles: Sendable {
    let directory: String

    init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.directory = directory
    }

    /// Runs `body` holding the lock file of `hash`, waiting for it at most until `deadline`
    /// (then `.overloaded`). The wait polls without blocking a thread.
    func withLock<T: Sendable>(
        _ hash: AvatarHash, until deadline: ContinuousClock.Instant, _ body: () async throws(AvatarError) -> T
    ) async throws(AvatarError) -> T {
        let path = "\(directory)/\(hash.value.prefix(2))"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw .storageUnavailable(reason: "open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }  // closing drops the lock
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                throw .storageUnavailable(reason: "flock \(path): \(String(cString: strerror(errno)))")
            }
            guard ContinuousClock.now < deadline else { throw .overloaded }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return try await body()
    }
}
