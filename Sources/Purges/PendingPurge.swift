import AvatarCore
import Foundation

/// What changed, as purge receivers are told.
public enum PurgeEvent: String, Sendable, Codable, Equatable {
    case upload
    case recrop
    case delete
}

/// One change still to be told to one purge target: written by the metadata store in the
/// change's own transaction, sent later by `PurgeSender`, and kept until it is sent or too
/// old to matter.
public struct PendingPurge: Sendable, Codable, Equatable {
    /// The change's identity, the same for every target and every retry, so receivers can
    /// drop repeats.
    public var id: UUID
    /// `PurgeTarget.name` of where it goes.
    public var target: String
    public var event: PurgeEvent
    public var hash: AvatarHash
    /// The version the change made; `nil` for a delete.
    public var version: String?
    public var changedAt: Date
    /// Attempts that failed so far.
    public var attempts: Int
    /// When it may next be sent: a claimed purge is leased to its sender until then.
    public var nextAttemptAt: Date

    public init(
        id: UUID, target: String, event: PurgeEvent, hash: AvatarHash, version: String?, changedAt: Date,
        attempts: Int = 0, nextAttemptAt: Date? = nil
    ) {
        self.id = id
        self.target = target
        self.event = event
        self.hash = hash
        self.version = version
        self.changedAt = changedAt
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt ?? changedAt
    }
}

/// The purges a metadata store writes beside each change: one per configured target.
public struct PurgeOutbox: Sendable, Equatable {
    /// `PurgeTarget.name`s; none means changes write no purges.
    public var targets: [String]

    public init(targets: [String] = []) {
        self.targets = targets
    }

    /// The purges of one change of `hash`, due at once.
    public func purges(_ event: PurgeEvent, hash: AvatarHash, version: String?, at now: Date) -> [PendingPurge] {
        guard !targets.isEmpty else { return [] }
        let id = UUID()
        return targets.map {
            PendingPurge(id: id, target: $0, event: event, hash: hash, version: version, changedAt: now)
        }
    }
}

/// How many purges wait, and since when: for `/metrics`.
public struct PurgeBacklog: Sendable, Equatable {
    public var count: Int
    /// `changedAt` of the oldest; `nil` when none waits.
    public var oldest: Date?

    public init(count: Int, oldest: Date?) {
        self.count = count
        self.oldest = oldest
    }
}

/// What becomes of a claimed purge: removed (`next` is `nil`: sent, expired) or kept as
/// `next` for another attempt.
public struct PurgeSettlement: Sendable, Equatable {
    public var claimed: PendingPurge
    public var next: PendingPurge?

    public init(claimed: PendingPurge, next: PendingPurge?) {
        self.claimed = claimed
        self.next = next
    }
}

/// Where pending purges are kept: the metadata store, which writes them with the changes.
/// Claims are leases, so with several nodes on one store each purge is sent by one node.
public protocol PurgeQueue: Sendable {
    /// Up to `limit` purges due at `now`, each leased to the caller until `leaseUntil`
    /// (its `nextAttemptAt` as returned).
    func claimDue(at now: Date, leaseUntil: Date, limit: Int) async throws(AvatarError) -> [PendingPurge]
    /// Records what became of claimed purges: removed, or kept for another attempt.
    func settle(_ settlements: [PurgeSettlement]) async throws(AvatarError)
    /// What waits.
    func backlog() async throws(AvatarError) -> PurgeBacklog
}
