/// How long what an index holds of a hash's record stands: until the hash changes (or
/// everything is forgotten) and at most until `until`. `AvatarIndex.holds(_:)` checks a
/// lease without a lock, so that something decided from the record (an encoded answer) can
/// be told on every use whether it still stands, without asking the index for the record.
public struct RecordLease: Sendable, Equatable {
    /// Which of the index's change counters covers the hash.
    let stripe: Int
    /// That counter when the record was read.
    let stripeChanges: UInt64
    /// The counter of changes to every record when the record was read.
    let allChanges: UInt64
    /// After this the record is to be looked up again (which also refreshes an old copy).
    let until: ContinuousClock.Instant
}
