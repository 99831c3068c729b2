import AvatarCore

/// A record an index holds in memory, and the lease under which it stays the hash's record.
public struct HeldRecord: Sendable {
    /// The record, or `nil` for a hash known to be unused.
    public let record: AvatarRecord?
    /// Until when, and until which change, the record stands.
    public let lease: RecordLease

    /// `record`, standing under `lease`.
    public init(record: AvatarRecord?, lease: RecordLease) {
        self.record = record
        self.lease = lease
    }
}
