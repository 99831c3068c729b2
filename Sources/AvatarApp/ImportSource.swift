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

    /// Every regular, visible file of `path` (not its subdirectories), its key the name
    /// before the last dot.
    static func directory(_ path: String) throws(Unusable) -> [Entry] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: path) } catch {
            throw Unusable(description: "\(path) cannot be listed: \(error.localizedDescription)")
        }
        var entries: [Entry] = []
        for name in names.sorted() where !name.hasPrefix(".") {
            let file = (path as NSString).appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: file, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            let key = name.lastIndex(of: ".").map { String(name[..<$0]) } ?? name
            entries.append(Entry(key: key, path: name, file: file, rating: nil, crop: nil))
        }
        return entries
    }

    static func manifest(_ path: String) throws(Unusable) -> [Entry] {
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
        for (index, record) in records.dropFirst().enumerated() where record != [""] {
            func field(_ column: Int?) -> String? {
                guard let column, column < record.count, !record[column].isEmpty else { return nil }
                return record[column]
            }
            guard let written = field(file) else {
                throw Unusable(description: "\(path), record \(index + 1): no path")
            }
            let resolved = written.hasPrefix("/") ? written : (base as NSString).appendingPathComponent(written)
            entries.append(Entry(key: field(key) ?? "", path: written, file: resolved, rating: field(rating), crop: field(crop)))
        }
        return entries
    }
}
