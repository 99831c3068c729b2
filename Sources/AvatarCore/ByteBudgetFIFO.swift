import NIOCore

/// Values kept within a byte budget, first in first out: the bounded memory behind the
/// in-memory caches (renders read from the cache file, encoded answers). The caller
/// says what each value costs, so the budget is what the memory really holds.
///
/// A removed value's place in the order keeps its cost until eviction reaches it, since
/// the place keeps its key alive until then: the budget bounds everything held.
public struct ByteBudgetFIFO<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    @usableFromInline struct Entry: Sendable {
        @usableFromInline let value: Value
        /// When it was added: which place in `order` is its own.
        let sequence: UInt64
    }

    private struct Place {
        let key: Key
        let sequence: UInt64
        let cost: Int
    }

    /// Internal rather than private so that `get`, the hit path, is specialized for its key
    /// in the module that calls it: a generic lookup copies every key it probes.
    @usableFromInline var entries: [Key: Entry] = [:]
    /// Every place, oldest first; a key removed and added again has two, of which only the
    /// one whose sequence its entry has is live.
    private var order = CircularBuffer<Place>()
    private var nextSequence: UInt64 = 0
    /// What the places kept cost, in bytes, live or removed.
    public private(set) var bytes = 0
    /// The most the places may cost, in bytes.
    public let budget: Int

    /// An empty FIFO of at most `budget` bytes (a negative budget keeps nothing).
    public init(budget: Int) {
        self.budget = max(0, budget)
    }

    /// Values kept.
    public var count: Int { entries.count }

    /// Places kept, live or removed; their costs add up to `bytes`.
    public var placesKept: Int { order.count }

    /// The value kept under `key`, if any.
    @inlinable public func get(_ key: Key) -> Value? {
        entries[key]?.value
    }

    /// Keeps `value` at `cost` bytes, dropping the oldest places until it fits. A value
    /// over `largest` (or the budget) is not kept: it would push out many others.
    public mutating func add(_ value: Value, for key: Key, cost: Int, largest: Int? = nil) {
        guard cost >= 0, cost <= min(largest ?? budget, budget), entries[key] == nil else { return }
        while bytes + cost > budget, let place = order.popFirst() {
            bytes -= place.cost
            if entries[place.key]?.sequence == place.sequence { entries[place.key] = nil }
        }
        entries[key] = Entry(value: value, sequence: nextSequence)
        order.append(Place(key: key, sequence: nextSequence, cost: cost))
        nextSequence &+= 1
        bytes += cost
    }

    /// Replaces the value kept under `key` by what `body` makes of it, keeping its place and
    /// cost; nothing when none is kept.
    public mutating func update(_ key: Key, _ body: (Value) -> Value) {
        guard let entry = entries[key] else { return }
        entries[key] = Entry(value: body(entry.value), sequence: entry.sequence)
    }

    /// Forgets the value under `key`; its place goes when eviction reaches it.
    public mutating func remove(_ key: Key) {
        entries[key] = nil
    }

    /// Forgets every value and place.
    public mutating func removeAll() {
        entries = [:]
        order.removeAll()
        bytes = 0
    }
}
