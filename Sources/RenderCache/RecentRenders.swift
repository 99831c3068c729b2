import AvatarCore
import NIOCore

/// Renders read from LMDB, kept in memory within a byte budget, first in first out, so a
/// hit skips the read transaction and the copy out of the map and can be answered on an
/// event loop. Bytes are counted as the buffers' capacity, which NIO rounds up to a power
/// of two, so the budget is what the memory costs. Renders are immutable under their
/// key, so a render kept here is always the one LMDB has or had.
struct RecentRenders {
    private var renders: ByteBudgetFIFO<RenderCacheKey, CachedRender>

    init(budget: Int) {
        renders = ByteBudgetFIFO(budget: budget)
    }

    var bytes: Int { renders.bytes }
    var budget: Int { renders.budget }

    func get(_ key: RenderCacheKey) -> CachedRender? {
        renders.get(key)
    }

    /// Keeps `render`; one over an eighth of the budget is not kept.
    mutating func add(_ render: CachedRender, for key: RenderCacheKey) {
        renders.add(render, for: key, cost: render.bytes.capacity, largest: renders.budget / 8)
    }

    mutating func removeAll() {
        renders.removeAll()
    }
}
