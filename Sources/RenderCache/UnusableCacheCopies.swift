import Foundation

/// Render caches that could not be opened and were moved aside (`<cache.path>.unusable-<seconds>`)
/// rather than deleted, so an operator can look at them; `avatars check --repair` removes them.
public enum UnusableCacheCopies {
    /// A copy found beside the cache.
    public struct Copy: Sendable, Hashable {
        public let path: String
        public let modified: Date
    }

    static let marker = ".unusable-"

    /// Where the cache at `path` is moved when it cannot be used at `now`.
    static func destination(for path: String, at now: Date) -> String {
        "\(path)\(marker)\(Int(now.timeIntervalSince1970))"
    }

    /// The copies beside the cache at `path`; none when its directory does not exist.
    public static func list(beside path: String) throws -> [Copy] {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        let directory = url.deletingLastPathComponent().path
        let prefix = url.lastPathComponent + marker
        guard FileManager.default.fileExists(atPath: directory) else { return [] }
        return try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix(prefix) }.sorted()
            .compactMap { name in
                let copy = "\(directory)/\(name)"
                guard let attributes = try? FileManager.default.attributesOfItem(atPath: copy) else { return nil }
                // A rename keeps a directory's mtime: the time it was moved aside is in its name.
                let written = attributes[.modificationDate] as? Date ?? Date()
                let movedAside = Int(name.dropFirst(prefix.count)).map { Date(timeIntervalSince1970: TimeInterval($0)) }
                return Copy(path: copy, modified: max(written, movedAside ?? written))
            }
    }

    /// Removes one copy and everything in it.
    public static func remove(_ copy: Copy) throws {
        try FileManager.default.removeItem(atPath: copy.path)
    }
}
