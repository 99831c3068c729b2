import NIOCore

/// Renders read from LMDB, kept in memory within a byte budget, first in first out. A hit
/// answered from here skips the read transaction and the copy out of the map: measured, a
/// fifth of a hit's server time. Bytes are counted as the buffers' capacity, which NIO
/// rounds up to a power of two, so the budget is what the memory costs. Renders are
/// immutable under their key, so a render kept here is always the one LMDB has or had.
struct RecentRenders {
    private var renders: [RenderCacheKey: CachedRender] = [:]
    /// Keys in the order they came, oldest from `oldest` on.
    private var order: [RenderCacheKey] = []
    private var oldest = 0
    private(set) var bytes = 0
    let budget: Int

    init(budget: Int) {
        self.budget = budget
    }

    func get(_ key: RenderCacheKey) -> CachedRender? {
        renders[key]
    }

    /// Keeps `render`, dropping the oldest renders until it fits. A render over an eighth of
    /// the budget is not kept: it would push out many others.
    mutating func add(_ render: CachedRender, for key: RenderCacheKey) {
        let size = render.bytes.capacity
        guard size <= budget / 8, renders[key] == nil else { return }
        while bytes + size > budget, oldest < order.count {
            if let gone = renders.removeValue(forKey: order[oldest]) { bytes -= gone.bytes.capacity }
            oldest += 1
        }
        if oldest >= 1024, oldest * 2 >= order.count {
            order.removeFirst(oldest)
            oldest = 0
        }
        renders[key] = render
        order.append(key)
        bytes += size
    }

    mutating func removeAll() {
        renders = [:]
        order = []
        oldest = 0
        bytes = 0
    }
}
