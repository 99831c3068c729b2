/// How an S3 operation failed.
public enum S3Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// The service refused our credentials or signature (wrong key, clock skew, no access).
    case forbidden(code: String, message: String)
    /// Not reachable, too slow, or failing with 5xx, after every retry.
    case unavailable(reason: String)
    /// Any other refusal (4xx) with S3's error code.
    case failed(status: Int, code: String, message: String)

    public var description: String {
        switch self {
        case .forbidden(let code, let message): "S3 refused the request (\(code)): \(message)"
        case .unavailable(let reason): "S3 is unavailable: \(reason)"
        case .failed(let status, let code, let message): "S3 answered \(status) \(code): \(message)"
        }
    }
}
