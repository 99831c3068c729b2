import AvatarApp
import AvatarAuth
import AvatarCore
import AvatarTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore

/// A node on the embedded default in a fresh data directory, served on an ephemeral
/// loopback port for the length of one test.
struct LiveServer {
    let dataDirectory: String
    let environment: [String: String]

    /// Everything the server logged.
    let logs = RecordingLogHandler.Records()

    init(_ overrides: [String: String] = [:], dataDirectory: String? = nil) throws {
        let directory = try dataDirectory ?? temporaryDirectory("avatars-http")
        self.dataDirectory = directory
        let defaults: [String: String] = [
            "AVATARS_HTTP_PORT": "0",
            "AVATARS_STORAGE_PATH": directory + "/originals",
            "AVATARS_METADATA_PATH": directory + "/metadata",
            "AVATARS_CACHE_PATH": directory + "/cache",
            "AVATARS_AUTH_JWT_SECRET": "http-test-secret-of-at-least-32-bytes",
            "AVATARS_IMAGES_MAX_UPLOAD_BYTES": String(512 * 1024),
            // These tests were written for plain 404s; GravatarTests cover the defaults.
            "AVATARS_IMAGES_DEFAULT": "404",
            // Suites run side by side in this process: CPU priority between them is not under test.
            "AVATARS_IMAGES_RENDER_NICENESS": "0",
            "AVATARS_HTTP_HANDLER_NICENESS": "0",
        ]
        environment = defaults.merging(overrides) { $1 }
    }

    var originalsDirectory: String { dataDirectory + "/originals" }
    var cacheFile: String { dataDirectory + "/cache/data.mdb" }

    /// Every original file on disk, as `<fan-out>/<hash>/<version>`.
    var originalFiles: [String] {
        (FileManager.default.enumerator(atPath: originalsDirectory)?.allObjects as? [String] ?? [])
            .filter { $0.split(separator: "/").count == 3 }.sorted()
    }

    func run<T: Sendable>(_ body: @Sendable (any TestClientProtocol, UploadTokens) async throws -> T) async throws -> T {
        let config = try await AppConfig.load(file: "/nonexistent/avatars.json", required: false, environment: environment)
        let logs = logs
        var logger = Logger(label: "avatars-test") { _ in RecordingLogHandler(records: logs) }
        logger.logLevel = .info
        let app = try await AvatarApplication(config: config, logger: logger)
        do {
            let tokens = app.tokens
            let result = try await app.application.test(.live) { client in try await body(client, tokens) }
            try await app.close()
            return result
        } catch {
            try? await app.close()
            throw error
        }
    }
}

/// Upload tokens passed into helpers that run inside a live server.
struct UploadTokensBox: Sendable {
    let tokens: UploadTokens
}

enum TestHashes {
    static let md5 = AvatarHash("0123456789abcdef0123456789abcdef")!
    static let sha1 = AvatarHash("0123456789abcdef0123456789abcdef01234567")!
    static let sha256 = AvatarHash(String(repeating: "ab", count: 32))!
    static let other = AvatarHash("ffffffffffffffffffffffffffffffff")!
}

extension TestClientProtocol {
    func upload(
        _ bytes: [UInt8], to hash: AvatarHash, tokens: UploadTokens, query: String = ""
    ) async throws -> TestResponse {
        let token = try await tokens.token(for: hash, ttl: 60)
        return try await executeRequest(
            uri: "/\(hash.value)\(query)", method: .put, headers: [.authorization: "Bearer \(token)"],
            body: ByteBuffer(bytes: bytes))
    }

    func get(_ uri: String, headers: HTTPFields = [:]) async throws -> TestResponse {
        try await executeRequest(uri: uri, method: .get, headers: headers, body: nil)
    }
}

extension TestResponse {
    var bytes: [UInt8] { Array(body.readableBytesView) }

    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]) ?? [:]
    }

    /// Every header but the ones that legitimately differ between two responses.
    var comparableHeaders: [String: String] {
        var result: [String: String] = [:]
        for field in headers where field.name != .date { result[field.name.canonicalName] = field.value }
        return result
    }
}

/// Bytes written straight to a socket, for requests a well-behaved client cannot make
/// (a `Content-Length` far beyond what is sent, a chunked body with no length).
enum RawHTTP {
    /// Sends `head` then `body`, returns what the server answered within `timeout` seconds:
    /// the first complete response, or with `untilClosed` everything until the server closes.
    /// The socket blocks, so it runs on a thread of its own: on Swift's shared pool it would
    /// hold one of the few threads the in-process server's handlers need.
    static func exchange(port: Int, head: String, body: [UInt8], timeout: Int = 5, untilClosed: Bool = false)
        async throws -> String
    {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(
                    with: Result {
                        try blockingExchange(port: port, head: head, body: body, timeout: timeout, untilClosed: untilClosed)
                    })
            }.start()
        }
    }

    private static func blockingExchange(port: Int, head: String, body: [UInt8], timeout: Int, untilClosed: Bool) throws
        -> String
    {
        let descriptor = try connectToLocalhost(port: port)
        defer { close(descriptor) }
        var limit = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        let payload = Array(head.utf8) + body
        _ = payload.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            received += chunk[0..<count]
            // A 304, and the answer to a HEAD, have no body, whatever their headers say.
            if !untilClosed, received.starts(with: Array("HTTP/1.1 304".utf8)) || head.hasPrefix("HEAD "),
                received.firstRange(of: Array("\r\n\r\n".utf8)) != nil
            {
                break
            }
            // The head is text; the body may be binary, so it is measured in bytes.
            if !untilClosed, let headEnd = received.firstRange(of: Array("\r\n\r\n".utf8)),
                let length = contentLength(of: String(decoding: received[..<headEnd.lowerBound], as: UTF8.self)),
                received.count - headEnd.upperBound >= length
            {
                break
            }
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// The `Content-Length` of a raw answer's head (its text before the empty line).
    static func contentLength(of head: String) -> Int? {
        head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
            .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) }
    }

    /// A blocking TCP socket connected to `localhost:port`, trying each address the name
    /// has (`::1` and `127.0.0.1` on a plain Debian), as the live test server binds the name.
    static func connectToLocalhost(port: Int) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo("localhost", String(port), &hints, &found) == 0 else { throw POSIXError(.EADDRNOTAVAIL) }
        defer { freeaddrinfo(found) }
        var next = found
        while let address = next {
            let descriptor = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
            if descriptor >= 0 {
                if connect(descriptor, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 { return descriptor }
                close(descriptor)
            }
            next = address.pointee.ai_next
        }
        throw POSIXError(.ECONNREFUSED)
    }
}
