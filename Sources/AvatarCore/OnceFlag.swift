import Synchronization

/// A flag set at most once and read from any thread: "this has happened".
public final class OnceFlag: Sendable {
    private let value = Atomic<Bool>(false)

    public init() {}

    public var isSet: Bool { value.load(ordering: .acquiring) }

    public func set() { value.store(true, ordering: .releasing) }

    /// Sets the flag; returns whether this call was the one that set it.
    public func claim() -> Bool {
        value.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
    }
}
