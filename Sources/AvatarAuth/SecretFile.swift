import Foundation

/// A new secret written to a file: 64 random hex characters, the file created with mode 0600
/// (never wider, not even between its creation and a chmod) and made durable. The token
/// secret and the site hash key are both made this way.
enum SecretFile {
    enum Failure: Error {
        /// Something is at the path already; a secret is never replaced.
        case exists
        case unwritable(reason: String)
    }

    /// Creates the file at `path` (and its directory) and returns the secret's bytes.
    static func create(at path: String) throws(Failure) -> [UInt8] {
        var random = SystemRandomNumberGenerator()
        let secret = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &random)) }.joined()
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
                throw .unwritable(reason: "its directory cannot be made: \(error.localizedDescription)")
            }
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw errno == EEXIST ? .exists : .unwritable(reason: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        let contents = Array((secret + "\n").utf8)
        let written = contents.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == contents.count, fsync(descriptor) == 0 else {
            unlink(path)
            throw .unwritable(reason: "it could not be written")
        }
        return Array(secret.utf8)
    }
}
