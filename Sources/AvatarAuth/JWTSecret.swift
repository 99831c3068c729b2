import Foundation

/// Finds the secrets upload tokens are signed with: the list `auth.jwtSecrets`, else the
/// single secret `auth.jwtSecret`, else the file named by `auth.jwtSecretFile`, else
/// (embedded default only) a secret generated on first start and kept in a 0600 file.
public enum JWTSecret {
    public enum Source: Sendable, Equatable {
        case configured
        case file(String)
        case generated(String)
        /// `auth.jwtSecrets`, each entry with its own key id.
        case list
    }

    /// HMAC-SHA256 keys shorter than the hash output weaken every token.
    public static let minimumBytes = 32

    public enum Failure: Error, CustomStringConvertible {
        case missing(reason: String)
        case unreadable(path: String, reason: String)
        case tooShort(key: String)
        case unsafe(path: String, mode: Int)
        /// `auth.jwtSecrets` and a single secret (`auth.jwtSecret`, `auth.jwtSecretFile`) both set.
        case bothForms
        /// An `auth.jwtSecrets` entry that is not `<kid>:<secret>` or `<kid>:@<path>`.
        case malformedEntry(index: Int)
        case duplicateID(String)

        public var description: String {
            switch self {
            case .missing(let reason): "auth.jwtSecret is required: \(reason)"
            case .unreadable(let path, let reason): "the token secret file \(path) cannot be read: \(reason)"
            case .tooShort(let key): "\(key) must be at least \(JWTSecret.minimumBytes) bytes"
            case .unsafe(let path, let mode):
                "the token secret file \(path) is writable by group or others (mode \(String(mode, radix: 8))); make it 0600 or 0400"
            case .bothForms:
                "auth.jwtSecrets cannot be set together with auth.jwtSecret or auth.jwtSecretFile; move the single secret into the list"
            case .malformedEntry(let index):
                "auth.jwtSecrets entry \(index + 1) must be <kid>:<secret> or <kid>:@<path>, the kid 1 to \(TokenKey.maxIDLength) of A-Z a-z 0-9 . _ -"
            case .duplicateID(let id): "auth.jwtSecrets names the kid \(id) more than once"
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

    /// The keys tokens are signed and checked with, the first signing new tokens; `warnings`
    /// for secret files readable by group or others.
    public struct Keys: Sendable {
        public let keys: [TokenKey]
        public let source: Source
        public let warnings: [String]
    }

    /// The keys of `auth.jwtSecrets` (`entries`), else the single secret `load(secret:secretFile:generatedPath:)`
    /// finds, under `TokenKey.defaultID`. Setting both forms is refused, as are malformed
    /// entries, duplicate key ids and secrets shorter than `minimumBytes`.
    public static func keys(entries: [String], secret: String?, secretFile: String?, generatedPath: String?) throws
        -> Keys
    {
        guard !entries.isEmpty else {
            let single = try load(secret: secret, secretFile: secretFile, generatedPath: generatedPath)
            return Keys(
                keys: [TokenKey(id: TokenKey.defaultID, secret: single.bytes)], source: single.source,
                warnings: single.warning.map { [$0] } ?? [])
        }
        guard secret?.isEmpty ?? true, secretFile?.isEmpty ?? true else { throw Failure.bothForms }
        var keys: [TokenKey] = []
        var warnings: [String] = []
        for (index, entry) in entries.enumerated() {
            guard let colon = entry.firstIndex(of: ":"), TokenKey.isValidID(entry[..<colon]) else {
                throw Failure.malformedEntry(index: index)
            }
            let id = String(entry[..<colon])
            guard !keys.contains(where: { $0.id == id }) else { throw Failure.duplicateID(id) }
            let value = entry[entry.index(after: colon)...]
            if value.hasPrefix("@") {
                let path = String(value.dropFirst())
                guard !path.isEmpty else { throw Failure.malformedEntry(index: index) }
                let loaded = try read(path, source: .file(path))
                keys.append(TokenKey(id: id, secret: loaded.bytes))
                if let warning = loaded.warning { warnings.append(warning) }
            } else {
                guard value.utf8.count >= minimumBytes else { throw Failure.tooShort(key: "the auth.jwtSecrets secret of kid \(id)") }
                keys.append(TokenKey(id: id, secret: Array(value.utf8)))
            }
        }
        return Keys(keys: keys, source: .list, warnings: warnings)
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

    /// Writes a new secret into a file created with mode 0600 (`SecretFile`).
    private static func generate(at path: String) throws -> [UInt8] {
        do {
            return try SecretFile.create(at: path)
        } catch {
            switch error {
            case .exists: throw Failure.unreadable(path: path, reason: "it exists already")
            case .unwritable(let reason): throw Failure.unreadable(path: path, reason: reason)
            }
        }
    }
}
