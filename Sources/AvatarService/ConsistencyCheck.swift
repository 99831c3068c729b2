import AvatarCore
import AvatarMetadata
import Foundation
import OriginalStorage
import RenderCache

/// What `avatars check` found, and with `--repair` removed.
public struct ConsistencyReport: Sendable, Equatable, Encodable {
    /// Records walked.
    public var records = 0
    /// Originals the store holds.
    public var originals = 0
    /// `<hash>/<version>` of records whose original is missing.
    public var missingOriginals: [String] = []
    /// Originals no record points at.
    public var orphans: [String] = []
    /// Writes left by a crash before their rename.
    public var temporaries: [String] = []
    /// Render caches moved aside.
    public var unusable: [String] = []
    /// Names the store's layout does not explain; reported, never removed.
    public var unrecognised: [String] = []
    /// Items removed by `--repair`.
    public var repaired = 0

    public init() {}

    /// Whether every record points at an original that exists.
    public var isConsistent: Bool { missingOriginals.isEmpty }
}

/// Walks the records and the original store of a node (while servers may be running) and
/// finds what does not match. Every suspicion is checked again against a fresh read
/// before it is reported, because uploads and deletes may run during the walk; a repair
/// removes only leftovers older than `minAge`, inside the hash's change lock, and never
/// an original its record points at.
public struct ConsistencyCheck: Sendable {
    public let index: any AvatarIndex
    public let originals: any OriginalStore
    /// The render cache's path, beside which unusable copies are looked for.
    public let cachePath: String

    /// Records read per page.
    static let pageSize = 1_000

    public init(index: any AvatarIndex, originals: any OriginalStore, cachePath: String) {
        self.index = index
        self.originals = originals
        self.cachePath = cachePath
    }

    public func run(repair: Bool, minAge: TimeInterval, now: Date = Date()) async throws(AvatarError) -> ConsistencyReport {
        var report = ConsistencyReport()
        var pointedAt = Set<OriginalKey>()
        var after: AvatarHash?
        while true {
            let page = try await index.records(after: after, limit: Self.pageSize)
            report.records += page.count
            for record in page { pointedAt.insert(OriginalKey(of: record)) }
            guard page.count == Self.pageSize, let last = page.last else { break }
            after = last.hash
        }

        let items = try await originals.inventory()
        if repair, report.records == 0, items.contains(where: { if case .original = $0.kind { true } else { false } }) {
            // Metadata with no record beside a store with originals is most likely the wrong
            // metadata (another database, a fresh directory): repairing would delete everything.
            throw .invalidParameter(
                name: "repair", reason: "the metadata holds no record but the store holds originals; refusing to remove them all")
        }
        var stored = Set<OriginalKey>()
        for item in items {
            switch item.kind {
            case .original(let key):
                stored.insert(key)
                report.originals += 1
                guard !pointedAt.contains(key), try await isOrphan(key) else { continue }
                report.orphans.append(item.name)
                if repair, item.isOlder(than: minAge, at: now), try await removeOrphan(item, key) { report.repaired += 1 }
            case .temporary:
                report.temporaries.append(item.name)
                if repair, item.isOlder(than: minAge, at: now) {
                    try await originals.remove(item)
                    report.repaired += 1
                }
            case .unrecognised:
                report.unrecognised.append(item.name)
            }
        }

        for key in pointedAt.subtracting(stored).sorted(by: { $0.description < $1.description })
        where try await isMissing(key) {
            report.missingOriginals.append(key.description)
        }

        let copies: [UnusableCacheCopies.Copy]
        do { copies = try UnusableCacheCopies.list(beside: cachePath) } catch {
            throw .storageUnavailable(reason: "listing beside \(cachePath): \(error)")
        }
        for copy in copies {
            report.unusable.append(copy.path)
            guard repair, now.timeIntervalSince(copy.modified) >= minAge else { continue }
            do { try UnusableCacheCopies.remove(copy) } catch {
                throw .storageUnavailable(reason: "removing \(copy.path): \(error)")
            }
            report.repaired += 1
        }
        return report
    }

    /// Whether, read again now, no record points at `key`: an upload may have saved it since the walk.
    private func isOrphan(_ key: OriginalKey) async throws(AvatarError) -> Bool {
        try await index.record(for: key.hash)?.original != key.version
    }

    /// Whether, read again now, the record still points at `key` and its original is still absent:
    /// the walk may have raced an upload or a delete.
    private func isMissing(_ key: OriginalKey) async throws(AvatarError) -> Bool {
        guard try await index.record(for: key.hash)?.original == key.version else { return false }
        return try await originals.get(key) == nil
    }

    /// Removes an orphan while no change of its hash runs, if it is still one.
    private func removeOrphan(_ item: StoredItem, _ key: OriginalKey) async throws(AvatarError) -> Bool {
        let (index, originals) = (index, originals)
        return try await index.exclusively(key.hash) { () async throws(AvatarError) -> Bool in
            guard try await index.record(for: key.hash)?.original != key.version else { return false }
            try await originals.remove(item)
            return true
        }
    }
}
