import NIOConcurrencyHelpers

/// A one-way gate for tests: `wait()` returns once `open()` has been called, so a test can
/// hold something until it has seen what it waits for, whatever the machine's load.
public final class Gate: Sendable {
    private let state = NIOLockedValueBox<(isOpen: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))

    public init() {}

    public func wait() async {
        await withCheckedContinuation { continuation in
            let open = state.withLockedValue { state -> Bool in
                if !state.isOpen { state.waiting.append(continuation) }
                return state.isOpen
            }
            if open { continuation.resume() }
        }
    }

    public func open() {
        let waiting = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.isOpen = true
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume() }
    }
}
