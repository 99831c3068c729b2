import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A small S3 client: the object and bucket calls the original store needs, signed with
/// SigV4, on one shared AsyncHTTPClient (pooled keep-alive connections). Every call is
/// idempotent, so connection errors, timeouts and 5xx are retried with jittered backoff
/// until `maxRetries` or the operation's deadline.
public final class S3Client: Sendable {
    public let settings: S3Settings
    private let http: HTTPClient
    private let signer: SigV4Signer
    private let limit: ConcurrencyLimit

    public init(settings: S3Settings) {
        self.settings = settings
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: settings.maxConnections)
        configuration.timeout = .init(connect: .seconds(5))
        configuration.decompression = .disabled
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        signer = SigV4Signer(credentials: settings.credentials, region: settings.region)
        limit = ConcurrencyLimit(settings.maxConnections)
    }

    public func shutdown() async throws {
        try await http.shutdown()
    }

    /// Stores `bytes` under `key`.
    public func putObject(_ key: String, bytes: ByteBuffer, contentType: String) async throws(S3Error) {
        _ = try await send(
            "PUT", key: key, headers: [("content-type", contentType)], body: bytes, accept: [200])
    }

    /// The object under `key`, or `nil` when there is none.
    public func getObject(_ key: String) async throws(S3Error) -> ByteBuffer? {
        let response = try await send("GET", key: key, accept: [200, 404])
        return response.status == 404 ? nil : response.body
    }

    /// Removes `key`; a missing key is not an error.
    public func deleteObject(_ key: String) async throws(S3Error) {
        _ = try await send("DELETE", key: key, accept: [200, 204, 404])
    }

    /// Checks that the bucket exists and our credentials may use it.
    public func headBucket() async throws(S3Error) {
        _ = try await send("HEAD", key: nil, accept: [200])
    }

    /// Every object under `prefix` (ListObjectsV2, all pages).
    public func listObjects(prefix: String) async throws(S3Error) -> [S3Object] {
        var objects: [S3Object] = []
        var continuation: String?
        repeat {
            var query = [("list-type", "2"), ("prefix", prefix)]
            if let continuation { query.append(("continuation-token", continuation)) }
            let response = try await send("GET", key: nil, query: query, accept: [200])
            let xml = String(buffer: response.body)
            objects += S3XML.elements("Contents", in: xml).compactMap(S3Object.init(listed:))
            continuation = S3XML.values(of: "IsTruncated", in: xml).first == "true"
                ? S3XML.values(of: "NextContinuationToken", in: xml).first : nil
        } while continuation != nil
        return objects
    }

    // MARK: Requests

    struct Response {
        let status: Int
        let body: ByteBuffer
    }

    private func send(
        _ method: String, key: String?, query: [(String, String)] = [], headers: [(String, String)] = [],
        body: ByteBuffer? = nil, accept: Set<Int>
    ) async throws(S3Error) -> Response {
        let deadline = ContinuousClock.now + settings.timeout
        let payloadHash =
            body.map { $0.withUnsafeReadableBytes { SigV4Signer.hexSHA256($0) } } ?? SigV4Signer.emptyPayloadHash
        var attempt = 0
        while true {
            let outcome: Result<Response, S3Error>
            do {
                outcome = .success(try await attemptOnce(method, key, query, headers, body, payloadHash, deadline))
            } catch let error as S3Error {
                outcome = .failure(error)
            } catch {
                outcome = .failure(.unavailable(reason: "\(error)"))
            }
            switch outcome {
            case .success(let response) where accept.contains(response.status):
                return response
            case .success(let response) where response.status >= 500:
                if let wait = retryDelay(after: attempt, deadline: deadline) {
                    attempt += 1
                    try? await Task.sleep(for: wait)
                    continue
                }
                throw .unavailable(reason: "HTTP \(response.status) after \(attempt + 1) attempts")
            case .success(let response):
                throw Self.refusal(response)
            case .failure(let error):
                if let wait = retryDelay(after: attempt, deadline: deadline) {
                    attempt += 1
                    try? await Task.sleep(for: wait)
                    continue
                }
                throw error
            }
        }
    }

    private func attemptOnce(
        _ method: String, _ key: String?, _ query: [(String, String)], _ headers: [(String, String)],
        _ body: ByteBuffer?, _ payloadHash: String, _ deadline: ContinuousClock.Instant
    ) async throws -> Response {
        let remaining = deadline - ContinuousClock.now
        guard remaining > .zero else { throw S3Error.unavailable(reason: "deadline passed") }
        let (base, host, path) = settings.location(of: key)
        let signed = signer.sign(
            method: method, host: host, path: path, query: query, headers: headers, payloadHash: payloadHash,
            date: Date())
        var url = base + SigV4Signer.encode(path, keepSlash: true)
        if !query.isEmpty {
            url += "?" + query.map { "\(SigV4Signer.encode($0.0, keepSlash: false))=\(SigV4Signer.encode($0.1, keepSlash: false))" }
                .joined(separator: "&")
        }
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in signed where name != "host" { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(body) }
        return try await limit.run {
            let response = try await http.execute(request, timeout: .nanoseconds(remaining.nanoseconds))
            let bytes = try await response.body.collect(upTo: 64 << 20)
            return Response(status: Int(response.status.code), body: bytes)
        }
    }

    /// Full jitter: a random wait up to 100 ms x 2^attempt, if the deadline allows it.
    private func retryDelay(after attempt: Int, deadline: ContinuousClock.Instant) -> Duration? {
        guard attempt < settings.maxRetries else { return nil }
        let ceiling = 100 * (1 << min(attempt, 6))
        let wait = Duration.milliseconds(Int.random(in: 10...ceiling))
        return ContinuousClock.now + wait < deadline ? wait : nil
    }

    private static func refusal(_ response: Response) -> S3Error {
        let xml = String(buffer: response.body)
        let code = S3XML.values(of: "Code", in: xml).first ?? "HTTP\(response.status)"
        let message = S3XML.values(of: "Message", in: xml).first ?? ""
        return response.status == 403
            ? .forbidden(code: code, message: message) : .failed(status: response.status, code: code, message: message)
    }
}

extension Duration {
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
