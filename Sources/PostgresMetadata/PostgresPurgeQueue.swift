import AvatarCore
import Foundation
import Logging
import PostgresNIO
import Purges

/// PostgreSQL's pending purges (`avatar_purges`), shared by every node: a claim locks the
/// due rows it takes and skips rows another node is claiming, then leases them, so each
/// purge is sent by one node at a time.
extension PostgresAvatarIndex: PurgeQueue {
    public func claimDue(for targets: [String], at now: Date, leaseUntil: Date, limit: Int, expiredBefore: Date)
        async throws(AvatarError) -> PurgeClaim
    {
        let (client, logger) = (client, logger)
        return try await call {
            var expired: [String] = []
            for try await target in try await client.query(
                "DELETE FROM avatar_purges WHERE changed_at < \(expiredBefore) RETURNING target", logger: logger
            ).decode(String.self) {
                expired.append(target)
            }
            let lease = UUID()
            var claimed: [PendingPurge] = []
            var unreadable: [(UUID, String)] = []
            let rows = try await client.query(
                """
                UPDATE avatar_purges SET next_attempt_at = \(leaseUntil), lease = \(lease)
                WHERE (id, target) IN (
                    SELECT id, target FROM avatar_purges WHERE next_attempt_at <= \(now) AND target = ANY(\(targets))
                    ORDER BY next_attempt_at LIMIT \(limit) FOR UPDATE SKIP LOCKED)
                RETURNING id, target, event, hash, version, changed_at, attempts, next_attempt_at
                """, logger: logger)
            for try await row in rows {
                let (id, target, event, hash, version, changedAt, attempts, next) = try row.decode(
                    (UUID, String, String, String, String?, Date, Int, Date).self)
                // A row another writer made unreadable can never be sent: it goes.
                guard let hash = AvatarHash(stored: hash), let event = PurgeEvent(rawValue: event) else {
                    unreadable.append((id, target))
                    continue
                }
                var purge = PendingPurge(
                    id: id, target: target, event: event, hash: hash, version: version, changedAt: changedAt,
                    attempts: attempts, nextAttemptAt: next)
                purge.lease = lease
                claimed.append(purge)
            }
            for (id, target) in unreadable {
                try await client.query("DELETE FROM avatar_purges WHERE id = \(id) AND target = \(target)", logger: logger)
            }
            return PurgeClaim(due: claimed.sorted { $0.nextAttemptAt < $1.nextAttemptAt }, expired: expired)
        }
    }

    public func settle(_ settlements: [PurgeSettlement]) async throws(AvatarError) {
        let (client, logger) = (client, logger)
        try await call {
            try await client.withTransaction(logger: logger) { connection in
                // Only the claim that holds the lease settles: one that ran out changes nothing.
                for settlement in settlements {
                    let claimed = settlement.claimed
                    if let next = settlement.next {
                        try await connection.query(
                            """
                            UPDATE avatar_purges SET attempts = \(next.attempts), next_attempt_at = \(next.nextAttemptAt),
                                lease = NULL
                            WHERE id = \(claimed.id) AND target = \(claimed.target) AND lease = \(claimed.lease)
                            """, logger: logger)
                    } else {
                        try await connection.query(
                            """
                            DELETE FROM avatar_purges
                            WHERE id = \(claimed.id) AND target = \(claimed.target) AND lease = \(claimed.lease)
                            """, logger: logger)
                    }
                }
            }
        }
    }

    public func backlog() async throws(AvatarError) -> PurgeBacklog {
        let (client, logger) = (client, logger)
        return try await call {
            let rows = try await client.query("SELECT count(*), min(changed_at) FROM avatar_purges", logger: logger)
            for try await (count, oldest) in rows.decode((Int, Date?).self) {
                return PurgeBacklog(count: count, oldest: oldest)
            }
            return PurgeBacklog(count: 0, oldest: nil)
        }
    }

    /// Writes `purges` on `connection`, inside the change's transaction.
    static func insert(_ purges: [PendingPurge], on connection: PostgresConnection, logger: Logger) async throws {
        for purge in purges {
            try await connection.query(
                """
                INSERT INTO avatar_purges (id, target, event, hash, version, changed_at, attempts, next_attempt_at)
                VALUES (\(purge.id), \(purge.target), \(purge.event.rawValue), \(purge.hash.value), \(purge.version),
                        \(purge.changedAt), \(purge.attempts), \(purge.nextAttemptAt))
                """, logger: logger)
        }
    }
}
