import Foundation

/// The site key private identifiers are hashed under (`auth.hashKeyFile`): the file's text,
/// trimmed, used as the key's bytes. Made once, explicitly, and shared by every machine that
/// hashes addresses, so one address never hashes two ways.
public struct SiteHashKey: Sendable {
    /// Fewest bytes of a key: shorter keys make the HMAC guessable.
    public static let minimumBytes = 32

    public let bytes: [UInt8]

    public enum Failure: Error, CustomStringConvertible {
        case missing(path: String)
        case unreadable(path: String, reason: String)
        case tooShort(path: String)
        case exists(path: String)
        case unsafe(path: String, mode: Int)

        public var description: String {
            switch self {
            case .missing(let path):
                "no site hash key at \(path): create one once with `avatars hash --init-key --key-file \(path)` and copy it to every machine that hashes addresses"
            case .unreadable(let path, let reason): "the site hash key \(path) cannot be read: \(reason)"
            case .tooShort(let path): "the site hash key \(path) must hold at least \(SiteHashKey.minimumBytes) bytes"
            case .exists(let path): "\(path) exists already; a site key is never replaced, since every hash made under it would change"
            case .unsafe(let path, let mode):
                "the site hash key \(path) is writable by group or others (mode \(String(mode, radix: 8))): anyone could change every hash made under it; make it 0600 or 0400"
            }
        }
    }

    /// Reads the key at `path`; never creates one, and refuses one others may write.
    public static func load(path: String) throws(Failure) -> SiteHashKey {
        var info = stat()
        guard stat(path, &info) == 0 else { throw .missing(path: path) }
        let mode = Int(info.st_mode) & 0o777
        guard mode & 0o022 == 0 else { throw .unsafe(path: path, mode: mode) }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .unreadable(path: path, reason: "\(error)")
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.utf8.count >= minimumBytes else { throw .tooShort(path: path) }
        return SiteHashKey(bytes: Array(trimmed.utf8))
    }

    /// Creates a new key at `path`: 64 random hex characters, mode 0600 from the start.
    public static func create(path: String) throws(Failure) -> SiteHashKey {
        do {
            return SiteHashKey(bytes: try SecretFile.create(at: path))
        } catch {
            switch error {
            case .exists: throw .exists(path: path)
            case .unwritable(let reason): throw .unreadable(path: path, reason: reason)
            }
        }
    }
}
