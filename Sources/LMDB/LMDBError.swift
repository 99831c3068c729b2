import CLMDB

/// A failed liblmdb call: its return code and liblmdb's own text for it.
public struct LMDBError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: Int32
    public let operation: String

    public static let mapFullCode = MDB_MAP_FULL
    public static let notFoundCode = MDB_NOTFOUND

    /// The map has no free pages left: a write that meets it must be dropped.
    public var isMapFull: Bool { code == MDB_MAP_FULL }

    public var description: String {
        "\(operation): \(String(cString: mdb_strerror(code))) (\(code))"
    }

    static func check(_ code: Int32, _ operation: @autoclosure () -> String) throws(LMDBError) {
        guard code == MDB_SUCCESS else { throw LMDBError(code: code, operation: operation()) }
    }
}
