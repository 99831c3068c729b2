/// Which renders are worth a place in the cache. A render of a default drawn for an unknown
/// hash is mostly asked for once (a crawler, a flood of random hashes); written at once,
/// such renders would evict the renders people actually ask for again.
public enum CacheAdmission: Sendable {
    /// Cached when made.
    case always
    /// Cached when made for the second time within a while: the first time only its key is noted.
    case whenAskedAgain
}

/// Remembers keys seen once, in a fixed table (a doorkeeper): a key is admitted when its
/// slot already holds it. Memory never grows; under a flood of distinct keys a slot is
/// overwritten before its key returns, so flood renders stay out while real repeats
/// (seconds apart) get in.
struct SeenOnce {
    private var slots: [Int]
    private let mask: Int

    /// `slotCount` is rounded up to a power of two.
    init(slotCount: Int) {
        var count = 1
        while count < slotCount { count <<= 1 }
        slots = Array(repeating: 0, count: count)
        mask = count - 1
    }

    /// Whether `key` was noted before; notes it otherwise.
    mutating func admits(_ key: some Hashable) -> Bool {
        let hash = key.hashValue
        let slot = hash & mask
        let fingerprint = hash | 1  // 0 marks an empty slot
        if slots[slot] == fingerprint { return true }
        slots[slot] = fingerprint
        return false
    }
}
