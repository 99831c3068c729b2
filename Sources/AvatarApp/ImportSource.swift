import Foundation

/// What `avatars import` reads: a directory of files named `<key>.<ext>`, or a CSV manifest
/// with a header row naming the columns `key`, `path` and optionally `rating` and `crop`
/// (paths relative to the manifest's directory).
public enum ImportSource {
    /// One file to import, as the source names it.
    public struct Entry: Sendable, Equatable {
        /// The key as written: a hash, or an e-mail address to hash.
        public let key: String
        /// The path as written, for the report.
        public let path: String
        /// Where the file is.
        public let file: String
        public let rating: String?
        public let crop: String?
    }

    /// A source that cannot be read at all: a usage error, nothing is imported.
    public struct Unusable: Error, CustomStringConvertible {
        public let description: String
    }

    /// The entries of the directory or manifest at `path`.
    public static func entries(at path: String) throws(Unusable) -> [Entry] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw Unusable(description: "\(path) does not exist")
        }
        return isDirectory.boolValue ? try directory(path) : try manifest(path)
    }

    /// Extensions a file's name may end in; any other name is its key whole, so that
    /// `jane@example.com` is never read as the key `jane@example`.
    static let imageExtensions: Set<String> = ["jpg", "jpeg", "png", "gif", "webp", "avif", "heic", "heif"]

    /// Largest manifest read: tens of thousands of rows fit many times over.
    static let maxManifestBytes = 64 << 20

    /// Every visible entry of `path` but its subdirectories, its key the name before an image
    /// extension. Entries that are not regular files (FIFOs, devices, dangling links) are
    /// kept, so that the import reports them rather than leaving them out of its count.
    static func directory(_ path: String) throws(Unusable) -> [Entry] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: path) } catch {
            throw Unusable(description: "\(path) cannot be listed: \(error.localizedDescription)")
        }
        var entries: [Entry] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            let file = (path as NSString).appendingPathComponent(name)
            var info = stat()
            if stat(file, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR { continue }
            entries.append(Entry(key: key(ofFileNamed: name), path: name, file: file, rating: nil, crop: nil))
        }
        return entries
    }

    /// The key a directory's file names: its name without an image extension.
    static func key(ofFileNamed name: String) -> String {
        guard let dot = name.lastIndex(of: "."), imageExtensions.contains(name[name.index(after: dot)...].lowercased()) else {
            return name
        }
        return String(name[..<dot])
    }

    static func manifest(_ path: String) throws(Unusable) -> [Entry] {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            throw Unusable(description: "\(path) is neither a directory nor a regular file")
        }
        guard info.st_size <= maxManifestBytes else {
            throw Unusable(description: "\(path) is over \(maxManifestBytes >> 20) MiB; split it")
        }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw Unusable(description: "\(path) cannot be read as UTF-8 text")
        }
        let records: [[String]]
        do { records = try ManifestCSV.records(text) } catch { throw Unusable(description: "\(path): \(error)") }
        guard let header = records.first?.map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) else {
            throw Unusable(description: "\(path) is empty: it needs a header row key,path[,rating[,crop]]")
        }
        guard let key = header.firstIndex(of: "key"), let file = header.firstIndex(of: "path") else {
            throw Unusable(description: "\(path)'s header row must name the columns key and path")
        }
        let rating = header.firstIndex(of: "rating"), crop = header.firstIndex(of: "crop")
        let base = (path as NSString).deletingLastPathComponent
        var entries: [Entry] = []
        for record in records.dropFirst() where record != [""] {
            func field(_ column: Int?) -> String? {
                guard let column, column < record.count, !record[column].isEmpty else { return nil }
                return record[column]
            }
            // A row without a path fails on its own (missing_file), as a missing file does.
            let written = field(file) ?? ""
            let resolved = written.isEmpty || written.hasPrefix("/") ? written : (base as NSString).appendingPathComponent(written)
            entries.append(Entry(key: field(key) ?? "", path: written, file: resolved, rating: field(rating), crop: field(crop)))
        }
        return entries
    }
}
