import AvatarCore
import NIOConcurrencyHelpers

/// Runs `operation`, giving up after `limit` with `DeadlinePassed`: postgres-nio's own pool
/// keeps waiting for a connection far longer while the server is down.
///
/// The operation runs in a task of its own and is cancelled, not awaited, when the
/// deadline passes: a query written to a connection that has just closed may never
/// complete, and the caller must not wait for it.
func withDeadline<T: Sendable>(_ limit: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    let work = Task { try await operation() }
    let outcome = Outcome<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            outcome.attach(continuation)
            let timer = Task {
                guard (try? await Task.sleep(for: limit)) != nil else { return }
                if outcome.finish(.failure(DeadlinePassed(limit: limit))) { work.cancel() }
            }
            Task {
                let result = await work.result
                // A finished operation needs no timer: it would sleep on for the whole limit.
                if outcome.finish(result) { timer.cancel() }
            }
        }
    } onCancel: {
        work.cancel()
    }
}

/// Resumes a continuation with whichever result arrives first.
private final class Outcome<T: Sendable>: Sendable {
    private let state = NIOLockedValueBox<(CheckedContinuation<T, any Error>?, Result<T, any Error>?, Bool)>((nil, nil, false))

    func attach(_ continuation: CheckedContinuation<T, any Error>) {
        let early = state.withLockedValue { state -> Result<T, any Error>? in
            if state.2 { return state.1 }
            state.0 = continuation
            return nil
        }
        if let early { continuation.resume(with: early) }
    }

    /// Returns whether this result was the first.
    @discardableResult
    func finish(_ result: Result<T, any Error>) -> Bool {
        let (first, continuation) = state.withLockedValue { state -> (Bool, CheckedContinuation<T, any Error>?) in
            guard !state.2 else { return (false, nil) }
            state.2 = true
            defer { state.0 = nil }
            if state.0 == nil { state.1 = result }
            return (true, state.0)
        }
        continuation?.resume(with: result)
        return first
    }
}
