import NIOConcurrencyHelpers

/// Turns per key for async work: `withLock(key)` runs its body while fewer than `capacity`
/// other bodies for an equal key run in this process, in the order they asked. Waiting is
/// bounded: past `maxWaiting` callers queued on one key, or `maxWait` in the queue, a
/// caller is refused with `.overloaded` rather than piling up. Keys nobody holds take no memory.
public final class KeyedLock<Key: Hashable & Sendable>: Sendable {
    private struct Waiter {
        let id: Int
        let continuation: CheckedContinuation<Bool, Never>
        /// Gives up on the wait after `maxWait`; cancelled when the turn comes first.
        var timer: Task<Void, Never>?
    }

    private struct Turns {
        var running = 0
        var waiting: [Waiter] = []
    }

    private struct State {
        var keys: [Key: Turns] = [:]
        var nextID = 0
    }

    /// Bodies of one key that may run at once: 1 makes it a lock.
    public let capacity: Int
    public let maxWaiting: Int
    public let maxWait: Duration
    private let state = NIOLockedValueBox(State())

    public init(capacity: Int = 1, maxWaiting: Int, maxWait: Duration) {
        self.capacity = max(1, capacity)
        self.maxWaiting = maxWaiting
        self.maxWait = maxWait
    }

    public func withLock<T: Sendable>(
        _ key: Key, _ body: () async throws(AvatarError) -> T
    ) async throws(AvatarError) -> T {
        try await acquire(key)
        do {
            let result = try await body()
            release(key)
            return result
        } catch {
            release(key)
            throw error
        }
    }

    private enum Admission {
        case granted
        case queued(Int)
        case refused
    }

    private func acquire(_ key: Key) async throws(AvatarError) {
        let (capacity, maxWaiting) = (capacity, maxWaiting)
        let granted = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let admission = state.withLockedValue { state -> Admission in
                var turns = state.keys[key] ?? Turns()
                if turns.running < capacity {
                    turns.running += 1
                    state.keys[key] = turns
                    return .granted
                }
                guard turns.waiting.count < maxWaiting else { return .refused }
                let id = state.nextID
                state.nextID += 1
                turns.waiting.append(Waiter(id: id, continuation: continuation, timer: nil))
                state.keys[key] = turns
                return .queued(id)
            }
            switch admission {
            case .granted: continuation.resume(returning: true)
            case .refused: continuation.resume(returning: false)
            case .queued(let id):
                let timer = Task { [maxWait] in
                    guard (try? await Task.sleep(for: maxWait)) != nil else { return }
                    self.giveUp(key, id)
                }
                attach(timer, to: key, id)
            }
        }
        guard granted else { throw .overloaded }
    }

    /// Keeps `timer` with waiter `id`, or cancels it when the waiter's turn has already come.
    private func attach(_ timer: Task<Void, Never>, to key: Key, _ id: Int) {
        let queued = state.withLockedValue { state -> Bool in
            guard var turns = state.keys[key], let position = turns.waiting.firstIndex(where: { $0.id == id }) else {
                return false
            }
            turns.waiting[position].timer = timer
            state.keys[key] = turns
            return true
        }
        if !queued { timer.cancel() }
    }

    /// Takes waiter `id` out of the queue, if it is still there, and tells it no.
    private func giveUp(_ key: Key, _ id: Int) {
        let waiter = state.withLockedValue { state -> Waiter? in
            guard var turns = state.keys[key], let position = turns.waiting.firstIndex(where: { $0.id == id }) else {
                return nil
            }
            let waiter = turns.waiting.remove(at: position)
            state.keys[key] = turns
            return waiter
        }
        waiter?.continuation.resume(returning: false)
    }

    private func release(_ key: Key) {
        let next = state.withLockedValue { state -> Waiter? in
            guard var turns = state.keys[key] else { return nil }
            guard !turns.waiting.isEmpty else {
                turns.running -= 1
                state.keys[key] = turns.running == 0 ? nil : turns
                return nil
            }
            // The turn passes straight to the first waiter.
            let first = turns.waiting.removeFirst()
            state.keys[key] = turns
            return first
        }
        next?.timer?.cancel()
        next?.continuation.resume(returning: true)
    }
}
