/// Values kept within a byte budget, first in first out: the bounded memory behind the
/// in-memory caches (renders read from the cache file, encoded answers). The caller
/// says what each value costs, so the budget is what the memory really holds.
public struct ByteBudgetFIFO<Key: Hashable, Value> {
    private var entries: [Key: (value: Value, cost: Int)] = [:]
    /// Keys in the order they came, oldest from `oldest` on; a key may appear again after
    /// it was removed, and then only its latest place counts.
    private var order: [Key] = []
    private var oldest = 0
    /// What the values kept cost, in bytes.
    public private(set) var bytes = 0
    public let budget: Int

    public init(budget: Int) {
        self.budget = max(0, budget)
    }

    public var count: Int { entries.count }

    public func get(_ key: Key) -> Value? {
        entries[key]?.value
    }

    /// Keeps `value` at `cost` bytes, dropping the oldest values until it fits. A value
    /// over `largest` (or the budget) is not kept: it would push out many others.
    public mutating func add(_ value: Value, for key: Key, cost: Int, largest: Int? = nil) {
        guard cost <= min(largest ?? budget, budget), entries[key] == nil else { return }
        while bytes + cost > budget, oldest < order.count {
            let key = order[oldest]
            oldest += 1
            if let gone = entries.removeValue(forKey: key) { bytes -= gone.cost }
        }
        if oldest >= 1024, oldest * 2 >= order.count {
            order.removeFirst(oldest)
            oldest = 0
        }
        entries[key] = (value, cost)
        order.append(key)
        bytes += cost
    }

    public mutating func remove(_ key: Key) {
        if let gone = entries.removeValue(forKey: key) { bytes -= gone.cost }
    }

    public mutating func removeAll() {
        entries = [:]
        order = []
        oldest = 0
        bytes = 0
    }
}
