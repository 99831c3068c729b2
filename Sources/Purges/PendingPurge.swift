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
    /// Set by a claim: only the claim holding it may settle the purge, so a sender whose
    /// lease ran out (and was claimed again elsewhere) changes nothing.
    public var lease: UUID?

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

    /// The purges of one change of `hash`, due at once. The time is kept to the millisecond,
    /// as stores and webhooks carry it, so every retry tells the same time.
    public func purges(_ event: PurgeEvent, hash: AvatarHash, version: String?, at now: Date) -> [PendingPurge] {
        guard !targets.isEmpty else { return [] }
        let id = UUID()
        let changedAt = Date(timeIntervalSince1970: (now.timeIntervalSince1970 * 1000).rounded(.down) / 1000)
        return targets.map {
            PendingPurge(id: id, target: $0, event: event, hash: hash, version: version, changedAt: changedAt)
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

/// What a claim took: purges to send, and the targets of those it dropped as expired.
public struct PurgeClaim: Sendable, Equatable {
    public var due: [PendingPurge]
    public var expired: [String]

    public init(due: [PendingPurge], expired: [String]) {
        self.due = due
        self.expired = expired
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
    /// Up to `limit` purges for `targets` due at `now`, each leased to the caller until
    /// `leaseUntil` (its `nextAttemptAt` as returned, with a fresh `lease`). Purges of any
    /// target whose change is older than `expiredBefore` are removed instead, and named.
    func claimDue(for targets: [String], at now: Date, leaseUntil: Date, limit: Int, expiredBefore: Date)
        async throws(AvatarError) -> PurgeClaim
    /// Records what became of claimed purges (removed, or kept for another attempt); a
    /// settlement whose lease is no longer the purge's changes nothing.
    func settle(_ settlements: [PurgeSettlement]) async throws(AvatarError)
    /// What waits.
    func backlog() async throws(AvatarError) -> PurgeBacklog
}
