import AvatarCore

/// A record an index holds in memory, and the lease under which it stays the hash's record.
public struct HeldRecord: Sendable {
    /// The record, or `nil` for a hash known to be unused.
    public let record: AvatarRecord?
    public let lease: RecordLease

    public init(record: AvatarRecord?, lease: RecordLease) {
        self.record = record
        self.lease = lease
    }
}

/// How long what an index holds of a hash's record stands: until the hash changes (or
/// everything is forgotten) and at most until `until`. `AvatarIndex.holds(_:)` checks a
/// lease without a lock, so that something decided from the record (an encoded answer) can
/// be told on every use whether it still stands, without asking the index for the record.
public struct RecordLease: Sendable, Equatable {
    /// Which of the index's change counters covers the hash.
    let stripe: Int
    /// That counter, and the counter of changes to everything, when the record was read.
    let stripeChanges: UInt64
    let allChanges: UInt64
    /// After this the record is to be looked up again (which also refreshes an old copy);
    /// `nil` until the index has read the record.
    var until: ContinuousClock.Instant?
}
