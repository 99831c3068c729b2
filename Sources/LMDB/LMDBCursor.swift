import CLMDB
import Foundation

/// Walks a database in key order (bytewise), inside `LMDBTransaction.withCursor` only:
/// once closed, every call throws. Entries are copies, valid for as long as they are kept.
public final class LMDBCursor {
    public typealias Entry = (key: [UInt8], value: [UInt8])

    private var handle: OpaquePointer?

    init(transaction: OpaquePointer, database: LMDBDatabase) throws {
        var cursor: OpaquePointer?
        try LMDBError.check(mdb_cursor_open(transaction, database.dbi, &cursor), "mdb_cursor_open")
        self.handle = cursor
    }

    /// Closes the cursor; `withCursor` does so before its transaction ends.
    func close() {
        if let handle { mdb_cursor_close(handle) }
        handle = nil
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
        try LMDBError.check(mdb_cursor_del(try openHandle(), 0), "mdb_cursor_del")
    }

    private func openHandle() throws -> OpaquePointer {
        guard let handle else { throw LMDBError(code: EINVAL, operation: "cursor used after it closed") }
        return handle
    }

    private func move(_ op: MDB_cursor_op) throws -> Entry? {
        var key = MDB_val()
        return try get(&key, op)
    }

    private func get(_ key: inout MDB_val, _ op: MDB_cursor_op) throws -> Entry? {
        var value = MDB_val()
        let result = mdb_cursor_get(try openHandle(), &key, &value, op)
        if result == MDB_NOTFOUND { return nil }
        try LMDBError.check(result, "mdb_cursor_get")
        return (
            Array(UnsafeRawBufferPointer(start: key.mv_data, count: key.mv_size)),
            Array(UnsafeRawBufferPointer(start: value.mv_data, count: value.mv_size))
        )
    }
}
