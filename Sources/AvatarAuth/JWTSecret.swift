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

        public var description: String {
            switch self {
            case .missing(let reason): "auth.jwtSecret is required: \(reason)"
            case .unreadable(let path, let reason): "auth.jwtSecretFile \(path) cannot be read: \(reason)"
            case .tooShort(let key): "\(key) must be at least \(JWTSecret.minimumBytes) bytes"
            }
        }
    }

    /// - Parameter generatedPath: where to keep a generated secret; `nil` forbids generating
    ///   one (shared backends, where every node must use the same secret).
    public static func load(
        secret: String?, secretFile: String?, generatedPath: String?
    ) throws -> (bytes: [UInt8], source: Source) {
        if let secret, !secret.isEmpty {
            guard secret.utf8.count >= minimumBytes else { throw Failure.tooShort(key: "auth.jwtSecret") }
            return (Array(secret.utf8), .configured)
        }
        if let secretFile, !secretFile.isEmpty {
            let bytes = try read(secretFile)
            guard bytes.count >= minimumBytes else { throw Failure.tooShort(key: "auth.jwtSecretFile") }
            return (bytes, .file(secretFile))
        }
        guard let generatedPath else {
            throw Failure.missing(reason: "nodes sharing storage must share the token secret")
        }
        if FileManager.default.fileExists(atPath: generatedPath) {
            return (try read(generatedPath), .generated(generatedPath))
        }
        return (try generate(at: generatedPath), .generated(generatedPath))
    }

    private static func read(_ path: String) throws -> [UInt8] {
        do {
            let text = try String(contentsOfFile: path, encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { throw Failure.unreadable(path: path, reason: "the file is empty") }
            return Array(text.utf8)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure.unreadable(path: path, reason: "\(error)")
        }
    }

    private static func generate(at path: String) throws -> [UInt8] {
        var random = SystemRandomNumberGenerator()
        let secret = (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &random)) }.joined()
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        guard
            FileManager.default.createFile(
                atPath: path, contents: Data((secret + "\n").utf8), attributes: [.posixPermissions: 0o600])
        else { throw Failure.unreadable(path: path, reason: "it could not be created") }
        return Array(secret.utf8)
    }
}
