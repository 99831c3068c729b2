import Foundation

/// Finds the secret upload tokens are signed with: `auth.jwtSecret`, else the file
/// named by `auth.jwtSecretFile`, else (embedded default only) a secret generated on
/// first start and kept in a 0600 file.
public enum JWTSecret {
    public enum Source: Sendable, Equatable {
        case configured
        case file(String)
        case generated(String)
    }

    /// HMAC-SHA256 keys shorter than the hash output weaken every token.
    public static let minimumBytes = 32

    public enum Failure: Error, CustomStringConvertible {
        case missing(reason: String)
        case unreadable(path: String, reason: String)
        case tooShort(key: String)
        case unsafe(path: String, mode: Int)

        public var description: String {
            switch self {
            case .missing(let reason): "auth.jwtSecret is required: \(reason)"
            case .unreadable(let path, let reason): "the token secret file \(path) cannot be read: \(reason)"
            case .tooShort(let key): "\(key) must be at least \(JWTSecret.minimumBytes) bytes"
            case .unsafe(let path, let mode):
                "the token secret file \(path) is writable by group or others (mode \(String(mode, radix: 8))); make it 0600 or 0400"
            }
        }
    }

    /// A secret and where it came from; `warning` when its file is readable by group or
    /// others (as Kubernetes and Docker secrets are), which is allowed but worth a log line.
    public struct Loaded: Sendable {
        public let bytes: [UInt8]
        public let source: Source
        public var warning: String?
    }

    /// - Parameter generatedPath: where to keep a generated secret; `nil` forbids generating
    ///   one (shared backends, where every node must use the same secret).
    public static func load(secret: String?, secretFile: String?, generatedPath: String?) throws -> Loaded {
        if let secret, !secret.isEmpty {
            guard secret.utf8.count >= minimumBytes else { throw Failure.tooShort(key: "auth.jwtSecret") }
            return Loaded(bytes: Array(secret.utf8), source: .configured)
        }
        if let secretFile, !secretFile.isEmpty {
            return try read(secretFile, source: .file(secretFile))
        }
        guard let generatedPath else {
            throw Failure.missing(reason: "nodes sharing storage must share the token secret")
        }
        if FileManager.default.fileExists(atPath: generatedPath) {
            return try read(generatedPath, source: .generated(generatedPath))
        }
        return Loaded(bytes: try generate(at: generatedPath), source: .generated(generatedPath))
    }

    private static func read(_ path: String, source: Source) throws -> Loaded {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw Failure.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        let mode = Int(info.st_mode) & 0o777
        guard mode & 0o022 == 0 else { throw Failure.unsafe(path: path, mode: mode) }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        } catch {
            throw Failure.unreadable(path: path, reason: "\(error)")
        }
        guard text.utf8.count >= minimumBytes else { throw Failure.tooShort(key: "the token secret file \(path)") }
        let warning =
            mode & 0o044 != 0
            ? "the token secret file \(path) is readable by group or others (mode \(String(mode, radix: 8)))" : nil
        return Loaded(bytes: Array(text.utf8), source: source, warning: warning)
    }

    /// Writes a new secret into a file created with mode 0600 (never wider, not even
    /// between its creation and a chmod), and makes it durable.
    private static func generate(at path: String) throws -> [UInt8] {
        var random = SystemRandomNumberGenerator()
        let secret = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &random)) }.joined()
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw Failure.unreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        let contents = Array((secret + "\n").utf8)
        let written = contents.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == contents.count, fsync(descriptor) == 0 else {
            unlink(path)
            throw Failure.unreadable(path: path, reason: "it could not be written")
        }
        return Array(secret.utf8)
    }
}
