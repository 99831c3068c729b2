import Foundation

/// Where the bucket is and how to talk to it (`s3.*`).
public struct S3Settings: Sendable, Equatable {
    /// Base URL of an S3-compatible service; `nil` means AWS (`https://s3.<region>.amazonaws.com`).
    public var endpoint: URL?
    public var region = "us-east-1"
    public var bucket: String
    /// Prepended to every object key, e.g. `avatars/`.
    public var prefix = ""
    /// `https://host/bucket/key` instead of `https://bucket.host/key`.
    public var pathStyle: Bool
    public var credentials: S3Credentials
    /// Deadline of one operation, retries included.
    public var timeout: Duration = .seconds(10)
    public var maxRetries = 3
    public var maxConnections = 64

    public init(endpoint: URL?, bucket: String, credentials: S3Credentials, pathStyle: Bool? = nil) {
        self.endpoint = endpoint
        self.bucket = bucket
        self.credentials = credentials
        self.pathStyle = pathStyle ?? (endpoint != nil)
    }

    /// Scheme, host (with port) and path prefix for requests on `key` (nil: the bucket).
    func location(of key: String?) -> (base: String, host: String, path: String) {
        let base = endpoint ?? URL(string: "https://s3.\(region).amazonaws.com")!
        let scheme = base.scheme ?? "https"
        let port = base.port.map { ":\($0)" } ?? ""
        let host = base.host ?? "localhost"
        let basePath = base.path.hasSuffix("/") ? String(base.path.dropLast()) : base.path
        let objectPath = key.map { "/" + $0 } ?? ""
        if pathStyle {
            return ("\(scheme)://\(host)\(port)", "\(host)\(port)", "\(basePath)/\(bucket)\(objectPath)")
        }
        let virtualHost = "\(bucket).\(host)\(port)"
        return ("\(scheme)://\(virtualHost)", virtualHost, basePath + (objectPath.isEmpty ? "/" : objectPath))
    }
}
