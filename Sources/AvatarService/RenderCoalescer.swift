import RenderCache
import Synchronization

/// Makes concurrent requests for the same uncached render share one original read and one
/// libvips render. The shared work runs in its own task, so a client that disconnects
/// does not cancel it for the others.
final class RenderCoalescer: Sendable {
    private let inflight = Mutex<[RenderCacheKey: Task<CachedRender, any Error>]>([:])

    /// Joins the render in flight for `key`, or answers from `recheck` (a render that
    /// finished meanwhile), or starts `make`.
    func render(
        _ key: RenderCacheKey, recheck: () -> CachedRender?,
        make: @escaping @Sendable () async throws -> CachedRender
    ) async throws -> CachedRender {
        let found = inflight.withLock { inflight -> Found in
            if let running = inflight[key] { return .running(running) }
            if let finished = recheck() { return .finished(finished) }
            let started = Task {
                // Runs after `make` has handed its result to the cache, so the render is
                // always findable: in flight, pending in the cache, or committed.
                defer { self.inflight.withLock { _ = $0.removeValue(forKey: key) } }
                return try await make()
            }
            inflight[key] = started
            return .running(started)
        }
        switch found {
        case .running(let task): return try await task.value
        case .finished(let render): return render
        }
    }

    private enum Found {
        case running(Task<CachedRender, any Error>)
        case finished(CachedRender)
    }
}
