import AvatarCore
import AvatarTestSupport
import Foundation
import OriginalStorage
import Testing

@Suite struct FilesystemOriginalStoreTests {
    let pool = BlockingWorkPool(threads: 2, name: "test-originals")
    let hash = AvatarHash("0123456789abcdef0123456789abcdef")!

    func files(under root: String) -> [String] {
        (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).filter {
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: root + "/" + $0, isDirectory: &isDirectory)
            return !isDirectory.boolValue
        }.sorted()
    }

    @Test func putGetDeleteByHashAndVersion() async throws {
        let root = try temporaryDirectory()
        let store = try FilesystemOriginalStore(root: root, pool: pool)
        let v1 = OriginalKey(hash: hash, version: "v1")
        let v2 = OriginalKey(hash: hash, version: "v2")
        try await store.put(v1, bytes: [1, 2, 3], format: .jpeg)
        try await store.put(v2, bytes: [4, 5], format: .png)
        #expect(try await store.get(v1) == [1, 2, 3])
        #expect(try await store.get(v2) == [4, 5])
        #expect(files(under: root) == ["01/\(hash.value)/v1", "01/\(hash.value)/v2"])
        try await store.delete(v1)
        #expect(try await store.get(v1) == nil)
        try await store.delete(v2)
        try await store.delete(v2)
        #expect(files(under: root).isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: root).isEmpty)
        try await store.checkReady()
    }

    @Test func replacingIsAtomicAndLeavesNoTemporaryFiles() async throws {
        let root = try temporaryDirectory()
        let store = try FilesystemOriginalStore(root: root, pool: pool)
        let key = OriginalKey(hash: hash, version: "same")
        let big = [UInt8](repeating: 9, count: 1 << 20)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { try await store.put(key, bytes: big, format: .jpeg) } }
            try await group.waitForAll()
        }
        #expect(try await store.get(key) == big)
        #expect(files(under: root) == ["01/\(hash.value)/same"])
    }

    @Test func anUnwritableRootIsUnavailable() async throws {
        let root = try temporaryDirectory()
        let store = try FilesystemOriginalStore(root: root, pool: pool)
        try FileManager.default.removeItem(atPath: root)
        try "not a directory".write(toFile: root, atomically: true, encoding: .utf8)
        await #expect(throws: AvatarError.self) {
            try await store.put(OriginalKey(hash: hash, version: "v"), bytes: [1], format: .png)
        }
        await #expect(throws: AvatarError.self) { try await store.checkReady() }
    }

    @Test func theInventoryNamesOriginalsTemporariesAndStrangers() async throws {
        let root = try temporaryDirectory()
        let store = try FilesystemOriginalStore(root: root, pool: pool)
        let version = OriginalVersion.of([1, 2, 3])
        let key = OriginalKey(hash: hash, version: version)
        try await store.put(key, bytes: [1, 2, 3], format: .png)
        let directory = "\(root)/01/\(hash.value)"
        try Data([7]).write(to: URL(fileURLWithPath: "\(directory)/.\(version).crash.tmp"))
        try Data([8]).write(to: URL(fileURLWithPath: "\(directory)/notes.txt"))
        try FileManager.default.createDirectory(atPath: "\(root)/zz", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(root)/ab/NOTAHASH", withIntermediateDirectories: true)
        // A hash directory under the wrong fan-out is not where `put` writes, so it is not an original.
        let misplaced = String(repeating: "f", count: 32)
        try FileManager.default.createDirectory(atPath: "\(root)/ab/\(misplaced)", withIntermediateDirectories: true)

        let items = try await store.inventory()
        let byName = Dictionary(uniqueKeysWithValues: items.map { ($0.name, $0.kind) })
        #expect(byName["01/\(hash.value)/\(version)"] == .original(key))
        #expect(byName["01/\(hash.value)/.\(version).crash.tmp"] == .temporary)
        #expect(byName["01/\(hash.value)/notes.txt"] == .unrecognised)
        #expect(byName["ab/NOTAHASH"] == .unrecognised)
        #expect(byName["ab/\(misplaced)"] == .unrecognised)
        #expect(byName["zz"] == .unrecognised)
        #expect(items.count == 6)
        let now = Date()
        #expect(items.allSatisfy { $0.isOlder(than: 0, at: now.addingTimeInterval(1)) && !$0.isOlder(than: 60, at: now) })

        for item in items where item.kind != .original(key) { try await store.remove(item) }
        #expect(files(under: root) == ["01/\(hash.value)/\(version)", "01/\(hash.value)/notes.txt"])
        #expect(try await store.get(key) == [1, 2, 3])
    }
}
