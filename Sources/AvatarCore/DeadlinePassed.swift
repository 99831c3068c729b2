/// Thrown when work's deadline came before its answer (or before it could start).
public struct DeadlinePassed: Error, CustomStringConvertible {
    public let limit: Duration

    public init(limit: Duration) {
        self.limit = limit
    }

    public var description: String { "no answer within \(limit)" }
}
