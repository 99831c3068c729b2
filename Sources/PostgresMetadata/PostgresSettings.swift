/// How to reach the shared PostgreSQL (`postgres.*`).
public struct PostgresSettings: Sendable, Equatable {
    public var url: PostgresURL
    public var maxConnections: Int
    /// Deadline of every metadata call.
    public var timeout: Duration

    public init(url: PostgresURL, maxConnections: Int, timeout: Duration) {
        self.url = url
        self.maxConnections = maxConnections
        self.timeout = timeout
    }
}
