import Foundation
import LMDB
import Testing

@Suite struct LMDBBindingTests {
    let path = NSTemporaryDirectory() + "lmdb-\(UUID().uuidString)"

    func open(mapSize: Int = 1 << 20) throws -> (LMDBEnvironment, LMDBDatabase) {
        let environment = try LMDBEnvironment(path: path, options: .init(mapSize: mapSize))
        return (environment, try environment.openDatabase("test"))
    }

    func string(_ bytes: [UInt8]?) -> String? {
        bytes.map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func putGetDelete() throws {
        let (environment, db) = try open()
        try environment.write { txn in try txn.put(db, key: Array("k".utf8), value: Array("v1".utf8)) }
        #expect(try environment.read { try string($0.bytes(db, key: Array("k".utf8))) } == "v1")
        try environment.write { txn in try txn.put(db, key: Array("k".utf8), value: Array("v2".utf8)) }
        #expect(try environment.read { try string($0.bytes(db, key: Array("k".utf8))) } == "v2")
        #expect(try environment.write { try $0.delete(db, key: Array("k".utf8)) })
        #expect(try environment.write { try $0.delete(db, key: Array("k".utf8)) } == false)
        #expect(try environment.read { try $0.bytes(db, key: Array("k".utf8)) } == nil)
    }

    @Test func aThrowingWriteIsRolledBack() throws {
        struct Abort: Error {}
        let (environment, db) = try open()
        #expect(throws: Abort.self) {
            try environment.write { txn in
                try txn.put(db, key: Array("k".utf8), value: Array("v".utf8))
                throw Abort()
            }
        }
        #expect(try environment.read { try $0.bytes(db, key: Array("k".utf8)) } == nil)
    }

    @Test func cursorWalksInKeyOrder() throws {
        let (environment, db) = try open()
        try environment.write { txn in
            for key in ["b", "d", "a", "c"] { try txn.put(db, key: Array(key.utf8), value: Array(key.uppercased().utf8)) }
        }
        let keys: [String] = try environment.read { txn in
            try txn.withCursor(db) { cursor in
                var keys: [String] = []
                var entry = try cursor.first()
                while let current = entry {
                    keys.append((string(current.key) ?? "") + (string(current.value) ?? ""))
                    entry = try cursor.next()
                }
                return keys
            }
        }
        #expect(keys == ["aA", "bB", "cC", "dD"])
        let seek = try environment.read { txn in try txn.withCursor(db) { try $0.seek(atOrAfter: Array("bb".utf8)).map { string($0.key) } } }
        #expect(seek == "c")
        #expect(try environment.read { try $0.count(db) } == 4)
    }

    /// A transaction, a cursor or an environment used after it ended throws instead of
    /// reading freed memory.
    @Test func nothingIsUsableAfterItEnds() throws {
        let (environment, db) = try open()
        try environment.write { try $0.put(db, key: Array("k".utf8), value: Array("v".utf8)) }
        let escapedTransaction = try environment.read { $0 }
        #expect(throws: LMDBError.self) { try escapedTransaction.bytes(db, key: Array("k".utf8)) }
        let escapedCursor = try environment.read { txn in try txn.withCursor(db) { $0 } }
        #expect(throws: LMDBError.self) { try escapedCursor.first() }
        environment.close()
        #expect(throws: LMDBError.self) { try environment.read { try $0.count(db) } }
    }

    @Test func mapFullIsReportedAndLeavesTheEnvironmentUsable() throws {
        let (environment, db) = try open(mapSize: 256 * 1024)
        let value = [UInt8](repeating: 7, count: 16 * 1024)
        var stored = 0
        var mapFull = false
        for index in 0..<100 {
            do {
                try environment.write { try $0.put(db, key: Array("key\(index)".utf8), value: value) }
                stored += 1
            } catch let error as LMDBError where error.isMapFull {
                mapFull = true
                break
            }
        }
        #expect(mapFull)
        #expect(stored > 0 && stored < 100)
        #expect(try environment.read { try $0.count(db) } == stored)
        try environment.write { try $0.delete(db, key: Array("key0".utf8)) }
        #expect(try environment.read { try $0.count(db) } == stored - 1)
    }

    @Test func dataSurvivesReopening() throws {
        do {
            let (environment, db) = try open()
            try environment.write { try $0.put(db, key: Array("k".utf8), value: Array("kept".utf8)) }
        }
        let (environment, db) = try open()
        #expect(try environment.clearStaleReaders() == 0)
        #expect(try environment.read { try string($0.bytes(db, key: Array("k".utf8))) } == "kept")
        let usage = try environment.usage()
        #expect(usage.mapSize == 1 << 20 && usage.bytesUsed > 0 && usage.bytesUsed <= usage.mapSize)
    }

    @Test func openingGarbageFails() throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        try Data(repeating: 0x5A, count: 64 * 1024).write(to: URL(fileURLWithPath: path + "/data.mdb"))
        #expect(throws: LMDBError.self) { _ = try LMDBEnvironment(path: path, options: .init(mapSize: 1 << 20)) }
    }
}
