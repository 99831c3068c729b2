import Foundation
import LMDB
import Logging

/// Opens the cache's LMDB environment, and when it cannot be used (garbage, a file from
/// an incompatible build, a map larger than `maxBytes` allows) moves it aside and starts
/// empty, so a bad cache never becomes a crash loop.
enum CacheEnvironment {
    struct Opened {
        let environment: LMDBEnvironment
        let renders: LMDBDatabase
        let ages: LMDBDatabase
        /// Small bookkeeping values.
        let meta: LMDBDatabase
    }

    static func open(_ settings: RenderCacheSettings, logger: Logger) throws -> Opened {
        do {
            return try attempt(settings)
        } catch {
            let aside = UnusableCacheCopies.destination(for: settings.path, at: Date())
            logger.warning(
                "render cache cannot be used; moving it aside and starting empty",
                metadata: ["path": "\(settings.path)", "movedTo": "\(aside)", "error": "\(error)"])
            if FileManager.default.fileExists(atPath: settings.path) {
                try FileManager.default.moveItem(atPath: settings.path, toPath: aside)
            }
            return try attempt(settings)
        }
    }

    private static func attempt(_ settings: RenderCacheSettings) throws -> Opened {
        var options = LMDBEnvironment.Options(mapSize: settings.maxBytes)
        options.maxReaders = 1024
        // A cache may lose its last writes in a system crash; it must not cost an fsync each.
        options.skipSync = true
        let environment = try LMDBEnvironment(path: settings.path, options: options)
        let usage = try environment.usage()
        guard usage.mapSize <= settings.maxBytes else {
            throw SizeMismatch(mapSize: usage.mapSize, maxBytes: settings.maxBytes)
        }
        try environment.clearStaleReaders()
        let renders = try environment.openDatabase("renders")
        let ages = try environment.openDatabase("ages")
        let meta = try environment.openDatabase("meta")
        // Reading every age entry's head proves the trees are walkable before serving from them.
        _ = try environment.read { txn in (try txn.count(renders), try txn.withCursor(ages) { try $0.last()?.key.count }) }
        return Opened(environment: environment, renders: renders, ages: ages, meta: meta)
    }

    struct SizeMismatch: Error, CustomStringConvertible {
        let mapSize: Int
        let maxBytes: Int
        var description: String { "the data file's map of \(mapSize) bytes exceeds cache.maxBytes \(maxBytes)" }
    }
}
