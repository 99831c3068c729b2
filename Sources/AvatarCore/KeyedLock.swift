import Synchronization

/// Mutual exclusion per key for async work: `withLock(key)` runs its body while no other
/// body for an equal key runs in this process, in the order they asked. Keys nobody holds
/// take no memory.
public final class KeyedLock<Key: Hashable & Sendable>: Sendable {
    /// For each held key, the callers waiting for it.
    private let waiting = Mutex<[Key: [CheckedContinuation<Void, Never>]]>([:])

    public init() {}

    public func withLock<T: Sendable, Failure: Error>(
        _ key: Key, _ body: () async throws(Failure) -> T
    ) async throws(Failure) -> T {
        await acquire(key)
        do {
            let result = try await body()
            release(key)
            return result
        } catch {
            release(key)
            throw error
        }
    }

    private func acquire(_ key: Key) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let acquired = waiting.withLock { waiting in
                guard waiting[key] != nil else {
                    waiting[key] = []
                    return true
                }
                waiting[key, default: []].append(continuation)
                return false
            }
            if acquired { continuation.resume() }
        }
    }

    private func release(_ key: Key) {
        let next = waiting.withLock { waiting -> CheckedContinuation<Void, Never>? in
            guard var queue = waiting[key], !queue.isEmpty else {
                waiting[key] = nil
                return nil
            }
            let first = queue.removeFirst()
            waiting[key] = queue
            return first
        }
        next?.resume()
    }
}
