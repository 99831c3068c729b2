import AvatarCore
import Foundation
import LMDB
import Purges

/// The embedded store's pending purges: keyed by due time first, so a claim reads only
/// what is due, in the order it fell due.
extension EmbeddedAvatarIndex: PurgeQueue {
    public func claimDue(at now: Date, leaseUntil: Date, limit: Int) async throws(AvatarError) -> [PendingPurge] {
        try await run(on: writer, "purge claim", startingWithin: nil) { [purges] environment, _ in
            try environment.write { txn in
                let due = try txn.withCursor(purges) { cursor in
                    var due: [(key: [UInt8], purge: PendingPurge)] = []
                    var entry = try cursor.first()
                    while let current = entry, due.count < limit, PurgeKey.dueTime(of: current.key) <= PurgeKey.millis(now) {
                        due.append((current.key, try Self.decodePurge(current.value)))
                        entry = try cursor.next()
                    }
                    return due
                }
                return try due.map { key, purge in
                    var leased = purge
                    leased.nextAttemptAt = leaseUntil
                    _ = try txn.delete(purges, key: key)
                    try Self.put(leased, in: purges, txn)
                    return leased
                }
            }
        }
    }

    public func settle(_ settlements: [PurgeSettlement]) async throws(AvatarError) {
        try await run(on: writer, "purge settle", startingWithin: nil) { [purges] environment, _ in
            try environment.write { txn in
                for settlement in settlements {
                    _ = try txn.delete(purges, key: PurgeKey.of(settlement.claimed))
                    if let next = settlement.next { try Self.put(next, in: purges, txn) }
                }
            }
        }
    }

    public func backlog() async throws(AvatarError) -> PurgeBacklog {
        try await run(on: readers, "purge backlog", startingWithin: Self.readDeadline) { [purges] environment, _ in
            try environment.read { txn in
                try txn.withCursor(purges) { cursor in
                    var count = 0
                    var oldest: Date?
                    var entry = try cursor.first()
                    while let current = entry {
                        count += 1
                        let changedAt = try Self.decodePurge(current.value).changedAt
                        oldest = min(oldest ?? changedAt, changedAt)
                        entry = try cursor.next()
                    }
                    return PurgeBacklog(count: count, oldest: oldest)
                }
            }
        }
    }

    static func put(_ purge: PendingPurge, in purges: LMDBDatabase, _ txn: LMDBTransaction) throws {
        try txn.put(purges, key: PurgeKey.of(purge), value: encoder.encode(purge))
    }

    private static func decodePurge(_ bytes: [UInt8]) throws -> PendingPurge {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return try decoder.decode(PendingPurge.self, from: Data(bytes))
    }
}

/// Key of a pending purge: its due time (big-endian milliseconds, so keys sort by it), then
/// its change's id and its target, which make it unique.
enum PurgeKey {
    static func of(_ purge: PendingPurge) -> [UInt8] {
        var key = withUnsafeBytes(of: millis(purge.nextAttemptAt).bigEndian, Array.init)
        key += withUnsafeBytes(of: purge.id.uuid, Array.init)
        key += Array(purge.target.utf8)
        return key
    }

    static func millis(_ date: Date) -> UInt64 {
        let millis = (date.timeIntervalSince1970 * 1000).rounded(.down)
        // Dates before 1970 or past the far future never come from a clock; clamped, not trapped.
        return millis <= 0 ? 0 : millis >= 1.8e19 ? UInt64.max : UInt64(millis)
    }

    static func dueTime(of key: [UInt8]) -> UInt64 {
        key.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }
}
