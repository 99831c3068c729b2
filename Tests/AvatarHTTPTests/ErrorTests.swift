import AvatarCore
import AvatarTestSupport
import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

@Suite struct ErrorTests {
    func expectError(
        _ response: TestResponse, _ status: HTTPResponse.Status, _ code: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(response.status == status, sourceLocation: sourceLocation)
        #expect(response.headers[.contentType]?.hasPrefix("application/json") == true, sourceLocation: sourceLocation)
        #expect(response.json["error"] as? String == code, sourceLocation: sourceLocation)
        #expect((response.json["message"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
    }

    @Test func badHashesAndParametersAre400() async throws {
        let server = try LiveServer()
        try await server.run { client, tokens in
            _ = try await client.upload(try Fixtures.bytes("photo.jpg"), to: TestHashes.md5, tokens: tokens)
            let hash = TestHashes.md5.value
            for uri in ["/xyz", "/avatar/1234", "/\(String(repeating: "g", count: 32))", "/\(hash)0",
                        "/avatar/\(String(repeating: "a", count: 33)).png"] {
                expectError(try await client.get(uri), .badRequest, "invalid_hash")
            }
            for uri in ["/\(hash)?s=abc", "/\(hash)?s=0", "/\(hash)?s=-1", "/\(hash)?size=1.5", "/\(hash)?s=",
                        "/\(hash).bmp", "/\(hash).svg", "/\(hash).", "/\(hash).jpg.png"] {
                expectError(try await client.get(uri), .badRequest, "invalid_parameter")
            }
            let head = try await client.executeRequest(uri: "/\(hash)?s=abc", method: .head, headers: [:], body: nil)
            let get = try await client.get("/\(hash)?s=abc")
            #expect(head.status == .badRequest && head.bytes.isEmpty && head.comparableHeaders == get.comparableHeaders)
            let badRating = try await client.upload(try Fixtures.bytes("photo.jpg"), to: TestHashes.md5, tokens: tokens, query: "?r=nc17")
            expectError(badRating, .badRequest, "invalid_parameter")
            expectError(try await client.get("/\(TestHashes.other.value)"), .notFound, "not_found")
            let unknownHead = try await client.executeRequest(
                uri: "/\(TestHashes.other.value)", method: .head, headers: [:], body: nil)
            #expect(unknownHead.status == .notFound && unknownHead.bytes.isEmpty)
        }
    }

    @Test func tokensAre401And403() async throws {
        let server = try LiveServer()
        try await server.run { client, tokens in
            let photo = ByteBuffer(bytes: try Fixtures.bytes("photo.jpg"))
            let uri = "/\(TestHashes.md5.value)"
            let missing = try await client.executeRequest(uri: uri, method: .put, headers: [:], body: photo)
            expectError(missing, .unauthorized, "unauthorized")
            #expect(missing.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)

            func base64URL(_ text: String) -> String {
                Data(text.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
                    .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            }
            let exp = Int(Date().timeIntervalSince1970) + 600
            let payload = base64URL(#"{"hash":"\#(TestHashes.md5.value)","exp":\#(exp)}"#)
            func signed(_ header: String, secret: String = "http-test-secret-of-at-least-32-bytes", payload: String = payload) -> String {
                let input = base64URL(header) + "." + payload
                let mac = HMAC<SHA256>.authenticationCode(for: Data(input.utf8), using: SymmetricKey(data: Data(secret.utf8)))
                return input + "." + Data(mac).base64EncodedString().replacingOccurrences(of: "=", with: "")
                    .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            }
            let expired = signed(#"{"alg":"HS256"}"#, payload: base64URL(#"{"hash":"\#(TestHashes.md5.value)","exp":1000}"#))
            let badTokens = [
                "garbage", "a.b.c", signed(#"{"alg":"HS256"}"#, secret: "wrong"), expired,
                signed(#"{"alg":"none"}"#), signed(#"{"alg":"HS512"}"#), signed(#"{"alg":"RS256"}"#),
                base64URL(#"{"alg":"none"}"#) + "." + payload + ".",
            ]
            #expect(try await client.executeRequest(
                uri: uri, method: .put, headers: [.authorization: "Bearer \(signed(#"{"alg":"HS256"}"#))"], body: photo
            ).status == .created)
            for token in badTokens {
                let header = try await client.executeRequest(
                    uri: uri, method: .put, headers: [.authorization: "Bearer \(token)"], body: photo)
                expectError(header, .unauthorized, "unauthorized")
                let query = try await client.executeRequest(uri: "\(uri)?token=\(token)", method: .put, headers: [:], body: photo)
                expectError(query, .unauthorized, "unauthorized")
                let delete = try await client.executeRequest(
                    uri: uri, method: .delete, headers: [.authorization: "Bearer \(token)"], body: nil)
                expectError(delete, .unauthorized, "unauthorized")
            }
            expectError(try await client.executeRequest(
                uri: uri, method: .put, headers: [.authorization: "Basic dXNlcjpwYXNz"], body: photo), .unauthorized, "unauthorized")
            let otherToken = try await tokens.token(for: TestHashes.other, ttl: 60)
            expectError(try await client.executeRequest(
                uri: uri, method: .put, headers: [.authorization: "Bearer \(otherToken)"], body: photo), .forbidden, "forbidden")
            expectError(try await client.executeRequest(
                uri: uri, method: .delete, headers: [.authorization: "Bearer \(otherToken)"], body: nil), .forbidden, "forbidden")
            #expect(try await client.get(uri).status == .ok)
        }
    }

    @Test func refusedUploadsAre413_415_422AndLeaveNothing() async throws {
        let server = try LiveServer()
        try await server.run { client, tokens in
            let hash = TestHashes.sha256
            for name in ["image.svg", "not-an-image.txt"] {
                expectError(try await client.upload(try Fixtures.bytes(name), to: hash, tokens: tokens), .unsupportedMediaType, "unsupported_media_type")
            }
            expectError(try await client.upload(Array("%PDF-1.4\n".utf8), to: hash, tokens: tokens), .unsupportedMediaType, "unsupported_media_type")
            expectError(try await client.upload([], to: hash, tokens: tokens), .badRequest, "empty_body")
            for name in ["truncated.jpg", "pixel-bomb.png"] {
                expectError(try await client.upload(try Fixtures.bytes(name), to: hash, tokens: tokens), .unprocessableContent, "unprocessable_image")
            }
            // A fixed message per refusal: libvips' process-wide error text never reaches a client.
            let truncated = try await client.upload(try Fixtures.bytes("truncated.jpg"), to: hash, tokens: tokens)
            #expect(truncated.json["message"] as? String == "the image does not decode as jpeg")
            // Refused from its Content-Length, before the body is read: the answer closes the
            // connection, which Hummingbird's test client reports as an error, so a socket sends it.
            let tooBig = [UInt8](repeating: 0xFF, count: 600 * 1024)
            let token = try await tokens.token(for: hash, ttl: 60)
            let answer = try await RawHTTP.exchange(
                port: try #require(client.port),
                head: "PUT /\(hash.value) HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\n"
                    + "Content-Length: \(tooBig.count)\r\n\r\n", body: tooBig)
            #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer.prefix(60))")
            #expect(answer.lowercased().contains("connection: close"))
            #expect(server.originalFiles.isEmpty)
            expectError(try await client.get("/\(hash.value)"), .notFound, "not_found")
            #expect(try await client.get("/healthz").status == .ok)
        }
    }

    @Test func aHugeContentLengthIsRefusedBeforeTheBodyIsRead() async throws {
        let server = try LiveServer()
        try await server.run { client, tokens in
            let port = try #require(client.port)
            let token = try await tokens.token(for: TestHashes.md5, ttl: 60)
            let started = ContinuousClock.now
            let answer = try await RawHTTP.exchange(
                port: port,
                head: "PUT /\(TestHashes.md5.value) HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\n"
                    + "Content-Length: \(1 << 30)\r\nContent-Type: image/jpeg\r\n\r\n",
                body: [UInt8](repeating: 0xAB, count: 1024))
            #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer.prefix(200))")
            #expect(answer.contains(#""error":"payload_too_large""#))
            #expect(ContinuousClock.now - started < .seconds(4))

            // A chunked body with no declared length is cut off at the limit while it streams.
            var chunked: [UInt8] = []
            let piece = [UInt8](repeating: 0xFF, count: 64 * 1024)
            for _ in 0..<12 { chunked += Array("10000\r\n".utf8) + piece + Array("\r\n".utf8) }
            chunked += Array("0\r\n\r\n".utf8)
            let streamed = try await RawHTTP.exchange(
                port: port,
                head: "PUT /\(TestHashes.md5.value) HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n",
                body: chunked)
            #expect(streamed.hasPrefix("HTTP/1.1 413"), "\(streamed.prefix(200))")
            #expect(server.originalFiles.isEmpty)
            #expect(try await client.get("/healthz").status == .ok)
            #expect(try await client.upload(try Fixtures.bytes("photo.jpg"), to: TestHashes.md5, tokens: tokens).status == .created)
        }
    }

    @Test func unavailableStorageIs503WithRetryAfter() async throws {
        let server = try LiveServer()
        try await server.run { client, tokens in
            try FileManager.default.removeItem(atPath: server.originalsDirectory)
            try "in the way".write(toFile: server.originalsDirectory, atomically: true, encoding: .utf8)
            let response = try await client.upload(try Fixtures.bytes("photo.jpg"), to: TestHashes.md5, tokens: tokens)
            expectError(response, .serviceUnavailable, "storage_unavailable")
            #expect(response.headers[.retryAfter] != nil)
            #expect(response.headers[.cacheControl] == "no-store")
            #expect(try await client.get("/readyz").status == .serviceUnavailable)
            expectError(try await client.get("/\(TestHashes.md5.value)"), .notFound, "not_found")
            try FileManager.default.removeItem(atPath: server.originalsDirectory)
            try FileManager.default.createDirectory(atPath: server.originalsDirectory, withIntermediateDirectories: true)
            #expect(try await client.get("/readyz").status == .ok)
            #expect(try await client.upload(try Fixtures.bytes("photo.jpg"), to: TestHashes.md5, tokens: tokens).status == .created)
        }
    }
}
