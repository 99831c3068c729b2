import Foundation
import CLMDB

/// Walks a database in key order (bytewise). Entries are borrowed from the map and valid
/// until the transaction ends.
public final class LMDBCursor {
    public typealias Entry = (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)

    private let handle: OpaquePointer

    init(transaction: LMDBTransaction, database: LMDBDatabase) throws {
        var cursor: OpaquePointer?
        try LMDBError.check(mdb_cursor_open(transaction.handle, database.dbi, &cursor), "mdb_cursor_open")
        self.handle = cursor!
    }

    deinit {
        mdb_cursor_close(handle)
    }

    public func first() throws -> Entry? { try move(MDB_FIRST) }
    public func next() throws -> Entry? { try move(MDB_NEXT) }
    public func last() throws -> Entry? { try move(MDB_LAST) }

    /// The first entry whose key is at or after `key`.
    public func seek(atOrAfter key: some ContiguousBytes) throws -> Entry? {
        try key.withUnsafeBytes { keyBytes in
            var keyVal = MDB_val(mv_size: keyBytes.count, mv_data: UnsafeMutableRawPointer(mutating: keyBytes.baseAddress))
            return try get(&keyVal, MDB_SET_RANGE)
        }
    }

    /// Deletes the entry under the cursor (write transactions only).
    public func deleteCurrent() throws {
        try LMDBError.check(mdb_cursor_del(handle, 0), "mdb_cursor_del")
    }

    private func move(_ op: MDB_cursor_op) throws -> Entry? {
        var key = MDB_val()
        return try get(&key, op)
    }

    private func get(_ key: inout MDB_val, _ op: MDB_cursor_op) throws -> Entry? {
        var value = MDB_val()
        let result = mdb_cursor_get(handle, &key, &value, op)
        if result == MDB_NOTFOUND { return nil }
        try LMDBError.check(result, "mdb_cursor_get")
        return (
            UnsafeRawBufferPointer(start: key.mv_data, count: key.mv_size),
            UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size)
        )
    }
}
