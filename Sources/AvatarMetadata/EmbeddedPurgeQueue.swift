import AvatarCore
import Foundation
import LMDB
import Purges

/// The embedded store's pending purges: keyed by due time first, so a claim reads only
/// what is due, in the order it fell due.
extension EmbeddedAvatarIndex: PurgeQueue {
    public func claimDue(for targets: [String], at now: Date, leaseUntil: Date, limit: Int, expiredBefore: Date)
        async throws(AvatarError) -> PurgeClaim
    {
        let wanted = Set(targets)
        return try await run(on: writer, "purge claim", startingWithin: nil) { [purges] environment, _ in
            try environment.write { txn in
                var due: [(key: [UInt8], purge: PendingPurge)] = []
                var expired: [(key: [UInt8], target: String)] = []
                try txn.withCursor(purges) { cursor in
                    var entry = try cursor.first()
                    // Due rows come first; rows of targets this node does not send are passed over
                    // (another node may) until they expire.
                    while let current = entry, due.count < limit, PurgeKey.dueTime(of: current.key) <= PurgeKey.millis(now) {
                        let purge = try Self.decodePurge(current.value)
                        if purge.changedAt < expiredBefore {
                            expired.append((current.key, purge.target))
                        } else if wanted.contains(purge.target) {
                            due.append((current.key, purge))
                        }
                        entry = try cursor.next()
                    }
                }
                for (key, _) in expired { _ = try txn.delete(purges, key: key) }
                let leased = try due.map { key, purge in
                    var leased = purge
                    leased.nextAttemptAt = leaseUntil
                    leased.lease = UUID()
                    _ = try txn.delete(purges, key: key)
                    try Self.put(leased, in: purges, txn)
                    return leased
                }
                return PurgeClaim(due: leased, expired: expired.map(\.target))
            }
        }
    }

    public func settle(_ settlements: [PurgeSettlement]) async throws(AvatarError) {
        try await run(on: writer, "purge settle", startingWithin: nil) { [purges] environment, _ in
            try environment.write { txn in
                for settlement in settlements {
                    let key = PurgeKey.of(settlement.claimed)
                    // Only the claim that holds the lease settles: the row is still under its key.
                    guard let stored = try txn.bytes(purges, key: key),
                        try Self.decodePurge(stored).lease == settlement.claimed.lease
                    else { continue }
                    _ = try txn.delete(purges, key: key)
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
        try decoder.decode(PendingPurge.self, from: Data(bytes))
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
