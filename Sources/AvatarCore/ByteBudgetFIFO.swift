/// Values kept within a byte budget, first in first out: the bounded memory behind the
/// in-memory caches (renders read from the cache file, encoded answers). The caller
/// says what each value costs, so the budget is what the memory really holds.
public struct ByteBudgetFIFO<Key: Hashable, Value> {
    private struct Entry {
        let value: Value
        let cost: Int
        /// When it was added: its place in `order`.
        let sequence: UInt64
    }

    private var entries: [Key: Entry] = [:]
    /// Keys in the order they came, oldest from `oldest` on. A key removed and added again
    /// appears twice; only the place whose sequence its entry has counts.
    private var order: [(key: Key, sequence: UInt64)] = []
    private var oldest = 0
    private var nextSequence: UInt64 = 0
    /// What the values kept cost, in bytes.
    public private(set) var bytes = 0
    public let budget: Int

    public init(budget: Int) {
        self.budget = max(0, budget)
    }

    public var count: Int { entries.count }

    /// Places in the order kept, passed or not, live or not: bounded by a small multiple
    /// of `count` (plus a fixed slack).
    public var placesKept: Int { order.count }

    public func get(_ key: Key) -> Value? {
        entries[key]?.value
    }

    /// Keeps `value` at `cost` bytes, dropping the oldest values until it fits. A value
    /// over `largest` (or the budget) is not kept: it would push out many others.
    public mutating func add(_ value: Value, for key: Key, cost: Int, largest: Int? = nil) {
        guard cost <= min(largest ?? budget, budget), entries[key] == nil else { return }
        while bytes + cost > budget, oldest < order.count {
            let (key, sequence) = order[oldest]
            oldest += 1
            if let gone = entries[key], gone.sequence == sequence {
                entries[key] = nil
                bytes -= gone.cost
            }
        }
        entries[key] = Entry(value: value, cost: cost, sequence: nextSequence)
        order.append((key, nextSequence))
        nextSequence &+= 1
        compactIfMostlyStale()
        bytes += cost
    }

    public mutating func remove(_ key: Key) {
        if let gone = entries.removeValue(forKey: key) { bytes -= gone.cost }
        compactIfMostlyStale()
    }

    public mutating func removeAll() {
        entries = [:]
        order = []
        oldest = 0
        bytes = 0
    }

    /// Drops the places already passed by evictions and those of values removed, once they
    /// outnumber the live ones, so `order` stays within a small multiple of the entries.
    private mutating func compactIfMostlyStale() {
        guard order.count > 2 * entries.count + 1024 else { return }
        order = order[oldest...].filter { entries[$0.key]?.sequence == $0.sequence }
        oldest = 0
    }
}
