import Foundation
import CLMDB

/// A read-only or write transaction. Use it only inside the closure that received it.
public final class LMDBTransaction {
    let handle: OpaquePointer
    private var open = true

    init(environment: LMDBEnvironment, readOnly: Bool) throws {
        var txn: OpaquePointer?
        try LMDBError.check(
            mdb_txn_begin(environment.handle, nil, readOnly ? UInt32(MDB_RDONLY) : 0, &txn), "mdb_txn_begin")
        self.handle = txn!
    }

    func commit() throws {
        open = false
        try LMDBError.check(mdb_txn_commit(handle), "mdb_txn_commit")
    }

    func abort() {
        guard open else { return }
        open = false
        mdb_txn_abort(handle)
    }

    /// The value under `key`, borrowed from the map: valid until the transaction ends.
    public func get(_ database: LMDBDatabase, key: some ContiguousBytes) throws -> UnsafeRawBufferPointer? {
        try key.withUnsafeBytes { keyBytes in
            var keyVal = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            var value = MDB_val()
            let result = mdb_get(handle, database.dbi, &keyVal, &value)
            if result == MDB_NOTFOUND { return nil }
            try LMDBError.check(result, "mdb_get")
            return UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size)
        }
    }

    /// Stores `value` under `key`, replacing what was there.
    public func put(_ database: LMDBDatabase, key: some ContiguousBytes, value: some ContiguousBytes) throws {
        try key.withUnsafeBytes { keyBytes in
            try value.withUnsafeBytes { valueBytes in
                var keyVal = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
                var valueVal = MDB_val(
                    mv_size: valueBytes.count, mv_data: UnsafeMutableRawPointer(mutating: valueBytes.baseAddress))
                try LMDBError.check(mdb_put(handle, database.dbi, &keyVal, &valueVal, 0), "mdb_put")
            }
        }
    }

    /// Removes `key`; returns whether it was there.
    @discardableResult
    public func delete(_ database: LMDBDatabase, key: some ContiguousBytes) throws -> Bool {
        try key.withUnsafeBytes { keyBytes in
            var keyVal = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            let result = mdb_del(handle, database.dbi, &keyVal, nil)
            if result == MDB_NOTFOUND { return false }
            try LMDBError.check(result, "mdb_del")
            return true
        }
    }

    /// Removes every entry of the database.
    public func removeAll(_ database: LMDBDatabase) throws {
        try LMDBError.check(mdb_drop(handle, database.dbi, 0), "mdb_drop")
    }

    /// How many entries the database holds.
    public func count(_ database: LMDBDatabase) throws -> Int {
        var stat = MDB_stat()
        try LMDBError.check(mdb_stat(handle, database.dbi, &stat), "mdb_stat")
        return stat.ms_entries
    }

    /// Pages the database's tree occupies (branch, leaf and overflow): its live size,
    /// unlike the data file's high-water mark.
    public func pages(_ database: LMDBDatabase) throws -> Int {
        var stat = MDB_stat()
        try LMDBError.check(mdb_stat(handle, database.dbi, &stat), "mdb_stat")
        return stat.ms_branch_pages + stat.ms_leaf_pages + stat.ms_overflow_pages
    }

    /// A cursor over the database in key order, valid until the transaction ends.
    public func cursor(_ database: LMDBDatabase) throws -> LMDBCursor {
        try LMDBCursor(transaction: self, database: database)
    }
}
