import Foundation
import CLMDB

/// A read-only or write transaction, valid only inside the closure that received it:
/// once that returns, every call on it throws. Values read from the map are handed out
/// only to a closure or as copies, so no pointer into the map outlives the transaction.
public final class LMDBTransaction {
    private let handle: OpaquePointer
    private var open = true

    init(environment: OpaquePointer, readOnly: Bool) throws {
        var txn: OpaquePointer?
        try LMDBError.check(
            mdb_txn_begin(environment, nil, readOnly ? UInt32(MDB_RDONLY) : 0, &txn), "mdb_txn_begin")
        guard let txn else { throw LMDBError(code: EINVAL, operation: "mdb_txn_begin") }
        self.handle = txn
    }

    /// The handle while the transaction is open.
    func openHandle() throws -> OpaquePointer {
        guard open else { throw LMDBError(code: EINVAL, operation: "transaction used after it ended") }
        return handle
    }

    func commit() throws {
        guard open else { return }
        open = false
        try LMDBError.check(mdb_txn_commit(handle), "mdb_txn_commit")
    }

    func abort() {
        guard open else { return }
        open = false
        mdb_txn_abort(handle)
    }

    /// `body` applied to the value under `key`, which is borrowed from the map for the
    /// length of the call only; `nil` when there is no such key.
    public func get<T>(_ database: LMDBDatabase, key: some ContiguousBytes, _ body: (UnsafeRawBufferPointer) throws -> T)
        throws -> T?
    {
        let handle = try openHandle()
        return try key.withUnsafeBytes { keyBytes in
            var keyVal = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            var value = MDB_val()
            let result = mdb_get(handle, database.dbi, &keyVal, &value)
            if result == MDB_NOTFOUND { return nil }
            try LMDBError.check(result, "mdb_get")
            return try body(UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size))
        }
    }

    /// A copy of the value under `key`.
    public func bytes(_ database: LMDBDatabase, key: some ContiguousBytes) throws -> [UInt8]? {
        try get(database, key: key) { Array($0) }
    }

    /// Stores `value` under `key`, replacing what was there.
    public func put(_ database: LMDBDatabase, key: some ContiguousBytes, value: some ContiguousBytes) throws {
        try key.withUnsafeBytes { keyBytes in
            try value.withUnsafeBytes { valueBytes in
                var keyVal = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
                var valueVal = MDB_val(
                    mv_size: valueBytes.count, mv_data: UnsafeMutableRawPointer(mutating: valueBytes.baseAddress))
                try LMDBError.check(mdb_put(try openHandle(), database.dbi, &keyVal, &valueVal, 0), "mdb_put")
            }
        }
    }

    /// Removes `key`; returns whether it was there.
    @discardableResult
    public func delete(_ database: LMDBDatabase, key: some ContiguousBytes) throws -> Bool {
        try key.withUnsafeBytes { keyBytes in
            var keyVal = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            let result = mdb_del(try openHandle(), database.dbi, &keyVal, nil)
            if result == MDB_NOTFOUND { return false }
            try LMDBError.check(result, "mdb_del")
            return true
        }
    }

    /// Removes every entry of the database.
    public func removeAll(_ database: LMDBDatabase) throws {
        try LMDBError.check(mdb_drop(try openHandle(), database.dbi, 0), "mdb_drop")
    }

    /// How many entries the database holds.
    public func count(_ database: LMDBDatabase) throws -> Int {
        var stat = MDB_stat()
        try LMDBError.check(mdb_stat(try openHandle(), database.dbi, &stat), "mdb_stat")
        return stat.ms_entries
    }

    /// Pages the database's tree occupies (branch, leaf and overflow): its live size,
    /// unlike the data file's high-water mark.
    public func pages(_ database: LMDBDatabase) throws -> Int {
        var stat = MDB_stat()
        try LMDBError.check(mdb_stat(try openHandle(), database.dbi, &stat), "mdb_stat")
        return stat.ms_branch_pages + stat.ms_leaf_pages + stat.ms_overflow_pages
    }

    /// Runs `body` with a cursor over the database in key order, closed when `body` returns.
    public func withCursor<T>(_ database: LMDBDatabase, _ body: (LMDBCursor) throws -> T) throws -> T {
        let cursor = try LMDBCursor(transaction: try openHandle(), database: database)
        defer { cursor.close() }
        return try body(cursor)
    }
}
