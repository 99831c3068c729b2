import Crypto
import Foundation

/// AWS Signature Version 4 for S3, with the signature in the `Authorization` header.
///
/// Canonical request: method, URI-encoded path, sorted and encoded query, lowercased and
/// sorted headers with trimmed values, the signed header names, and the payload hash.
public struct SigV4Signer: Sendable {
    public let credentials: S3Credentials
    public let region: String
    public let service: String

    public init(credentials: S3Credentials, region: String, service: String = "s3") {
        self.credentials = credentials
        self.region = region
        self.service = service
    }

    /// The SHA-256 of an empty payload, for requests without a body.
    public static let emptyPayloadHash = hexSHA256([])

    /// Signs a request and returns every header it must carry: `headers` plus `host`,
    /// `x-amz-date`, `x-amz-content-sha256`, the session token if any, and `authorization`.
    ///
    /// - Parameters:
    ///   - path: the decoded object path (`/bucket/key` or `/key`); it is encoded here.
    ///   - query: decoded query parameters; encoded and sorted here.
    public func sign(
        method: String, host: String, path: String, query: [(String, String)] = [],
        headers: [(String, String)] = [], payloadHash: String, date: Date
    ) -> [(String, String)] {
        let timestamp = Self.timestamp(date)
        var all = headers
        all.append(("host", host))
        all.append(("x-amz-date", timestamp))
        all.append(("x-amz-content-sha256", payloadHash))
        if let token = credentials.sessionToken, !token.isEmpty { all.append(("x-amz-security-token", token)) }

        let canonical = canonicalRequest(method: method, path: path, query: query, headers: all, payloadHash: payloadHash)
        let scope = "\(timestamp.prefix(8))/\(region)/\(service)/aws4_request"
        let stringToSign = "AWS4-HMAC-SHA256\n\(timestamp)\n\(scope)\n\(Self.hexSHA256(Array(canonical.request.utf8)))"
        let signature = signingKey(day: String(timestamp.prefix(8)))
        let mac = HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: signature)
        all.append((
            "authorization",
            "AWS4-HMAC-SHA256 Credential=\(credentials.accessKeyId)/\(scope), SignedHeaders=\(canonical.signedHeaders), "
                + "Signature=\(Self.hex(mac))"
        ))
        return all
    }

    /// The canonical request text and the `SignedHeaders` list, exposed for tests.
    public func canonicalRequest(
        method: String, path: String, query: [(String, String)], headers: [(String, String)], payloadHash: String
    ) -> (request: String, signedHeaders: String) {
        let encodedQuery: [(name: String, value: String)] = query.map {
            (Self.encode($0.0, keepSlash: false), Self.encode($0.1, keepSlash: false))
        }
        let sortedQuery = encodedQuery.sorted { $0.name != $1.name ? $0.name < $1.name : $0.value < $1.value }
        let canonicalQuery = sortedQuery.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
        var grouped: [String: [String]] = [:]
        for (name, value) in headers {
            let trimmed = value.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
            grouped[name.lowercased(), default: []].append(trimmed)
        }
        let names = grouped.keys.sorted()
        let canonicalHeaders = names.map { "\($0):\(grouped[$0]!.joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let request = [
            method, Self.encode(path.isEmpty ? "/" : path, keepSlash: true), canonicalQuery, canonicalHeaders,
            signedHeaders, payloadHash,
        ].joined(separator: "\n")
        return (request, signedHeaders)
    }

    private func signingKey(day: String) -> SymmetricKey {
        func hmac(_ key: SymmetricKey, _ text: String) -> SymmetricKey {
            SymmetricKey(data: Array(HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: key)))
        }
        var key = SymmetricKey(data: Array("AWS4\(credentials.secretAccessKey)".utf8))
        for part in [day, region, service, "aws4_request"] { key = hmac(key, part) }
        return key
    }

    /// RFC 3986 percent-encoding as SigV4 wants it: every byte but `A-Z a-z 0-9 - . _ ~`
    /// (and `/` in paths) as `%XX` with capitals; spaces are `%20`, never `+`.
    public static func encode(_ text: String, keepSlash: Bool) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: "/") where keepSlash:
                result.append("/")
            default:
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return result
    }

    static func timestamp(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String { String(value).leftPadded(to: width) }
        return pad(parts.tm_year + 1900, 4) + pad(parts.tm_mon + 1, 2) + pad(parts.tm_mday, 2) + "T"
            + pad(parts.tm_hour, 2) + pad(parts.tm_min, 2) + pad(parts.tm_sec, 2) + "Z"
    }

    public static func hexSHA256(_ bytes: some DataProtocol) -> String { hex(SHA256.hash(data: bytes)) }

    public static func hexSHA256(_ bytes: UnsafeRawBufferPointer) -> String {
        var hasher = SHA256()
        hasher.update(bufferPointer: bytes)
        return hex(hasher.finalize())
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
