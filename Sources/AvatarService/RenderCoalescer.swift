import RenderCache
import NIOConcurrencyHelpers

/// Makes concurrent requests for the same uncached render share one original read and one
/// libvips render. The shared work runs in its own task, so a client that leaves does not
/// cancel it for the others; once every requester has left (their tasks were cancelled,
/// as a connection's are when it closes), the shared work is cancelled too, and work that
/// had not started on a render thread never starts.
final class RenderCoalescer: Sendable {
    private struct Flight {
        let id: Int
        let task: Task<CachedRender, any Error>
        /// Requesters still waiting for it.
        var waiters: Int
    }

    private struct State {
        var flights: [RenderCacheKey: Flight] = [:]
        var nextID = 0
    }

    private let state = NIOLockedValueBox(State())

    /// Joins the render in flight for `key`, or answers from `recheck` (a render that
    /// finished meanwhile), or starts `make`.
    func render(
        _ key: RenderCacheKey, recheck: () -> CachedRender?,
        make: @escaping @Sendable () async throws -> CachedRender
    ) async throws -> CachedRender {
        let found = state.withLockedValue { state -> Found in
            if var flight = state.flights[key] {
                flight.waiters += 1
                state.flights[key] = flight
                return .running(flight.id, flight.task)
            }
            if let finished = recheck() { return .finished(finished) }
            let id = state.nextID
            state.nextID += 1
            let started = Task {
                // Runs after `make` has handed its result to the cache, so the render is
                // always findable: in flight, pending in the cache, or committed.
                defer { self.land(key, id) }
                return try await make()
            }
            state.flights[key] = Flight(id: id, task: started, waiters: 1)
            return .running(id, started)
        }
        switch found {
        case .running(let id, let task):
            return try await withTaskCancellationHandler {
                try await task.value
            } onCancel: {
                self.leave(key, id)
            }
        case .finished(let render): return render
        }
    }

    /// A requester of flight `id` has gone; the last one to go cancels it and forgets it, so
    /// that the next request starts afresh rather than joining cancelled work.
    private func leave(_ key: RenderCacheKey, _ id: Int) {
        let abandoned = state.withLockedValue { state -> Task<CachedRender, any Error>? in
            guard var flight = state.flights[key], flight.id == id else { return nil }
            flight.waiters -= 1
            guard flight.waiters == 0 else {
                state.flights[key] = flight
                return nil
            }
            state.flights[key] = nil
            return flight.task
        }
        abandoned?.cancel()
    }

    /// Flight `id` has finished; forget it unless it was already forgotten (and maybe replaced).
    private func land(_ key: RenderCacheKey, _ id: Int) {
        state.withLockedValue { state in
            if state.flights[key]?.id == id { state.flights[key] = nil }
        }
    }

    private enum Found {
        case running(Int, Task<CachedRender, any Error>)
        case finished(CachedRender)
    }
}
