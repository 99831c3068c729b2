import CLMDB
import Foundation
import NIOConcurrencyHelpers

/// One LMDB environment: a memory-mapped file holding named databases.
///
/// Opened with `MDB_NOTLS`, so read transactions are not tied to a thread and async code
/// may use them (each still closed before the caller suspends). liblmdb allows one write
/// transaction at a time; callers serialise writes themselves.
public final class LMDBEnvironment: @unchecked Sendable {
    /// Options for opening an environment.
    public struct Options: Sendable {
        /// The hard cap on the data file's size; writes past it fail with `MDB_MAP_FULL`.
        public var mapSize: Int
        public var maxReaders: Int = 1024
        public var maxDatabases: Int = 8
        /// Skip the fsync on commit: the last transactions may be lost on a system crash,
        /// the environment stays consistent. For caches, not for records.
        public var skipSync: Bool = false

        public init(mapSize: Int) {
            self.mapSize = mapSize
        }
    }

    private let state: NIOLockedValueBox<OpaquePointer?>
    /// The directory holding `data.mdb` and `lock.mdb`.
    public let path: String

    public init(path: String, options: Options) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        var env: OpaquePointer?
        try LMDBError.check(mdb_env_create(&env), "mdb_env_create")
        guard let env else { throw LMDBError(code: ENOMEM, operation: "mdb_env_create") }
        do {
            try LMDBError.check(mdb_env_set_mapsize(env, options.mapSize), "mdb_env_set_mapsize")
            try LMDBError.check(
                mdb_env_set_maxreaders(env, UInt32(options.maxReaders)), "mdb_env_set_maxreaders")
            try LMDBError.check(mdb_env_set_maxdbs(env, MDB_dbi(options.maxDatabases)), "mdb_env_set_maxdbs")
            var flags = UInt32(MDB_NOTLS)
            if options.skipSync { flags |= UInt32(MDB_NOSYNC | MDB_NOMETASYNC) }
            try LMDBError.check(mdb_env_open(env, path, flags, 0o600), "mdb_env_open \(path)")
        } catch {
            mdb_env_close(env)
            throw error
        }
        self.state = NIOLockedValueBox(env)
        self.path = path
    }

    deinit {
        close()
    }

    /// Closes the environment; every later call throws. Call it once no transaction is open.
    public func close() {
        state.withLockedValue { handle in
            if let open = handle { mdb_env_close(open) }
            handle = nil
        }
    }

    /// The handle while the environment is open.
    private func handle() throws -> OpaquePointer {
        guard let handle = state.withLockedValue({ $0 }) else {
            throw LMDBError(code: EINVAL, operation: "environment used after it closed")
        }
        return handle
    }

    /// Opens (creating if needed) a named database; `nil` names the main one.
    public func openDatabase(_ name: String?) throws -> LMDBDatabase {
        try write { txn in
            var dbi: MDB_dbi = 0
            let result: Int32 =
                if let name { mdb_dbi_open(try txn.openHandle(), name, UInt32(MDB_CREATE), &dbi) } else {
                    mdb_dbi_open(try txn.openHandle(), nil, UInt32(MDB_CREATE), &dbi)
                }
            try LMDBError.check(result, "mdb_dbi_open \(name ?? "main")")
            return LMDBDatabase(dbi: dbi)
        }
    }

    /// Runs `body` in a read-only transaction, aborted when `body` returns.
    /// Buffers read inside are valid only until then.
    public func read<T>(_ body: (LMDBTransaction) throws -> T) throws -> T {
        let txn = try LMDBTransaction(environment: try handle(), readOnly: true)
        defer { txn.abort() }
        return try body(txn)
    }

    /// Runs `body` in a write transaction, committed when it returns and aborted when it throws.
    /// Blocks while another write transaction is open.
    public func write<T>(_ body: (LMDBTransaction) throws -> T) throws -> T {
        let txn = try LMDBTransaction(environment: try handle(), readOnly: false)
        do {
            let result = try body(txn)
            try txn.commit()
            return result
        } catch {
            txn.abort()
            throw error
        }
    }

    /// Releases reader slots left by processes that died; returns how many were cleared.
    @discardableResult
    public func clearStaleReaders() throws -> Int {
        var dead: Int32 = 0
        try LMDBError.check(mdb_reader_check(try handle(), &dead), "mdb_reader_check")
        return Int(dead)
    }

    /// The map's size and how much of it is in use.
    public func usage() throws -> LMDBUsage {
        var info = MDB_envinfo()
        var stat = MDB_stat()
        try LMDBError.check(mdb_env_info(try handle(), &info), "mdb_env_info")
        try LMDBError.check(mdb_env_stat(try handle(), &stat), "mdb_env_stat")
        return LMDBUsage(
            mapSize: info.me_mapsize,
            pageSize: Int(stat.ms_psize),
            pagesUsed: info.me_last_pgno + 1
        )
    }

    /// Flushes to disk; needed only when opened with `skipSync`.
    public func sync() throws {
        try LMDBError.check(mdb_env_sync(try handle(), 1), "mdb_env_sync")
    }
}

/// A handle to a database inside an environment, valid for the environment's life.
public struct LMDBDatabase: Sendable {
    let dbi: MDB_dbi
}

/// How full an environment's map is. Pages freed by deletes are reused but still count
/// here: `pagesUsed` is the high-water mark of the data file.
public struct LMDBUsage: Sendable {
    public let mapSize: Int
    public let pageSize: Int
    public let pagesUsed: Int

    public var bytesUsed: Int { pagesUsed * pageSize }
}
