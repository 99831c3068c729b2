import AvatarCore
import NIOCore

/// Renders read from LMDB, kept in memory within a byte budget, first in first out, so a
/// hit skips the read transaction and the copy out of the map and can be answered on an
/// event loop. Bytes are counted as the buffers' capacity, which NIO rounds up to a power
/// of two, so the budget is what the memory costs. Renders are immutable under their
/// key, so a render kept here is always the one LMDB has or had.
struct RecentRenders: Sendable {
    /// A render kept, with its age in the cache file (the write sequence it was stored
    /// under), so a hit from memory can tell when the file is about to evict it.
    struct Kept: Equatable, Sendable {
        let render: CachedRender
        let age: UInt64
    }

    private var renders: ByteBudgetFIFO<RenderCacheKey, Kept>

    init(budget: Int) {
        renders = ByteBudgetFIFO(budget: budget)
    }

    var bytes: Int { renders.bytes }
    var budget: Int { renders.budget }

    func get(_ key: RenderCacheKey) -> Kept? {
        renders.get(key)
    }

    /// Keeps `render`, of age `age` in the file; one over an eighth of the budget is not kept.
    mutating func add(_ render: CachedRender, age: UInt64, for key: RenderCacheKey) {
        renders.add(Kept(render: render, age: age), for: key, cost: render.bytes.capacity, largest: renders.budget / 8)
    }

    /// Records that the render under `key` was written to the file again, at about `age`.
    mutating func aged(_ key: RenderCacheKey, to age: UInt64) {
        renders.update(key) { Kept(render: $0.render, age: max($0.age, age)) }
    }

    mutating func removeAll() {
        renders.removeAll()
    }
}
