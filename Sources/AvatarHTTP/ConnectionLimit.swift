import Synchronization

/// Counts the server's open connections against `http.maxConnections`: past it a new
/// connection is closed as soon as it is accepted, and those open keep being served.
public final class ConnectionLimit: Sendable {
    /// `http.maxConnections`.
    public let maximum: Int
    private let open = Atomic<Int>(0)

    /// A count of none open, of at most `maximum`.
    public init(maximum: Int) {
        self.maximum = maximum
    }

    /// Takes a place for a new connection; `false` when none is left.
    func admit() -> Bool {
        let (now, _) = open.add(1, ordering: .relaxed)
        guard now <= maximum else {
            open.subtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    /// Gives back the place of a connection that closed.
    func release() {
        open.subtract(1, ordering: .relaxed)
    }
}
