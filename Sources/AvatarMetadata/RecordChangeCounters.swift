import AvatarCore
import Synchronization

/// Counts changes to records, per stripe of hashes and to all of them, so that a
/// `RecordLease` taken before a change no longer holds after it. Reads never lock, and the
/// counters are written only by changes, so checking a lease on every request costs two
/// loads of memory no other core is writing.
final class RecordChangeCounters: Sendable {
    /// How many stripes the hashes fall into. Hashes are hex digests, uniformly spread: their
    /// first three digits pick the stripe, so a change of one hash ends the leases of about
    /// one hash in 4,096.
    static let stripeCount = 4096
    /// One counter per stripe, stored in place in memory this object owns (rather than as
    /// objects in an array): reading one then retains nothing, which would write to memory
    /// every core reads. Shared between threads as the atomics it points at are.
    private nonisolated(unsafe) let stripes: UnsafeMutablePointer<Atomic<UInt64>>
    /// The counter of changes to every record.
    private let all = Atomic<UInt64>(0)

    init() {
        stripes = .allocate(capacity: Self.stripeCount)
        for stripe in 0..<Self.stripeCount { (stripes + stripe).initialize(to: Atomic(0)) }
    }

    deinit {
        stripes.deinitialize(count: Self.stripeCount)
        stripes.deallocate()
    }

    /// The stripe of `hash`: its first three hex digits (stored hashes are lowercase).
    static func stripe(of hash: AvatarHash) -> Int {
        var stripe = 0
        for byte in hash.value.utf8.prefix(3) {
            // '0'...'9' is 0x30...0x39 and 'a'...'f' is 0x61...0x66.
            stripe = (stripe << 4) | (Int(byte & 0x0f) + (byte >= 0x61 ? 9 : 0))
        }
        return stripe & (stripeCount - 1)
    }

    /// The counters that cover `hash`, as they are now: read before the record a lease is
    /// taken on, so that a change between the two ends the lease.
    func counts(for hash: AvatarHash) -> (stripe: Int, stripeChanges: UInt64, allChanges: UInt64) {
        let stripe = Self.stripe(of: hash)
        return (stripe, stripes[stripe].load(ordering: .acquiring), all.load(ordering: .acquiring))
    }

    /// Whether no change counted since `lease` was taken touches its hash.
    func unchanged(since lease: RecordLease) -> Bool {
        lease.stripe >= 0 && lease.stripe < Self.stripeCount
            && stripes[lease.stripe].load(ordering: .acquiring) == lease.stripeChanges
            && all.load(ordering: .acquiring) == lease.allChanges
    }

    /// Counts a change of `hash`: after what it changed is in place.
    func changed(_ hash: AvatarHash) {
        stripes[Self.stripe(of: hash)].wrappingAdd(1, ordering: .sequentiallyConsistent)
    }

    /// Counts a change of every record.
    func changedAll() {
        all.wrappingAdd(1, ordering: .sequentiallyConsistent)
    }
}
