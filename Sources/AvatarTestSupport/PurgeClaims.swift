import Foundation
import Purges

extension PurgeQueue {
    /// A claim for the targets the purge tests configure, expiring nothing.
    public func claimAll(at now: Date, leaseUntil: Date, limit: Int) async throws -> [PendingPurge] {
        try await claimDue(
            for: ["varnish http://a", "webhook http://b"], at: now, leaseUntil: leaseUntil, limit: limit,
            expiredBefore: .distantPast
        ).due
    }
}
