import AvatarAuth
import AvatarCore
import AvatarTestSupport
import Foundation
import Testing

/// Bodies are never read before their token is known: a token in the head is checked from
/// the head alone, `Expect: 100-continue` gets the refusal instead of `100`, and a form's
/// token must come before its file.
@Suite struct TokenBeforeBodyTests {
    static func put(_ hash: AvatarHash, token: String?, length: Int, extra: String = "") -> String {
        "PUT /\(hash.value) HTTP/1.1\r\nHost: localhost\r\n" + (token.map { "Authorization: Bearer \($0)\r\n" } ?? "")
            + "Content-Type: image/jpeg\r\nContent-Length: \(length)\r\n\(extra)\r\n"
    }

    @Test func anUnauthenticated10MiBPutIs401AtOnceAndTheConnectionCloses() async throws {
        let server = try LiveServer()
        try await server.run { client, tokens in
            let port = try #require(client.port)
            for token in [nil, "not.a.token", try await tokens.token(for: TestHashes.other, ttl: 60)] {
                let (answer, closed) = try await RawConnection.run {
                    let connection = try RawConnection(port: port)
                    connection.send(Self.put(TestHashes.md5, token: token, length: 10 << 20))
                    _ = connection.sendWithoutWaiting([UInt8](repeating: 0xFF, count: 64 * 1024))
                    let answer = connection.receiveAnswer(within: 3)
                    return (answer, connection.receive(for: 4).closed)
                }
                let status = token == nil || token == "not.a.token" ? "401" : "403"
                #expect(answer.hasPrefix("HTTP/1.1 \(status)"), "\(answer.prefix(60))")
                #expect(answer.lowercased().contains("connection: close"))
                #expect(closed, "the connection stayed open after an early refusal")
            }
            #expect(server.originalFiles.isEmpty)
        }
    }

    @Test func expectContinueGetsTheRefusalOrA100() async throws {
        let server = try LiveServer()
        try await server.run { client, tokens in
            let port = try #require(client.port)
            let photo = try Fixtures.bytes("photo.jpg")
            let refused = try await RawConnection.run {
                let connection = try RawConnection(port: port)
                connection.send(Self.put(TestHashes.md5, token: "bad", length: photo.count, extra: "Expect: 100-continue\r\n"))
                return connection.receiveAnswer(within: 3)
            }
            #expect(refused.hasPrefix("HTTP/1.1 401"), "\(refused.prefix(60))")
            #expect(!refused.contains("100 Continue"))

            let token = try await tokens.token(for: TestHashes.md5, ttl: 60)
            let (interim, created) = try await RawConnection.run {
                let connection = try RawConnection(port: port)
                connection.send(Self.put(TestHashes.md5, token: token, length: photo.count, extra: "Expect: 100-continue\r\n"))
                // The interim answer is a whole head of its own: waited for, not timed.
                let interim = connection.receiveAnswer(within: 5)
                _ = photo.withUnsafeBytes { send(connection.descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                return (interim, connection.receiveAnswer(within: 5))
            }
            #expect(interim.hasPrefix("HTTP/1.1 100 Continue"), "\(interim.prefix(60))")
            #expect(created.hasPrefix("HTTP/1.1 201"), "\(created.prefix(60))")
        }
    }

    @Test func aFormTokenMustComeBeforeTheFile() async throws {
        let server = try LiveServer()
        try await server.run { client, tokens in
            let port = try #require(client.port)
            let boundary = "token-order"
            let token = try await tokens.token(for: TestHashes.sha1, ttl: 60)
            let photo = try Fixtures.bytes("photo.jpg")
            func form(tokenFirst: Bool) -> [UInt8] {
                let tokenPart = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\n\(token)\r\n".utf8)
                let filePart =
                    Array(
                        ("--\(boundary)\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"a.jpg\"\r\n"
                            + "Content-Type: image/jpeg\r\n\r\n").utf8) + photo + Array("\r\n".utf8)
                return (tokenFirst ? tokenPart + filePart : filePart + tokenPart) + Array("--\(boundary)--\r\n".utf8)
            }
            func post(_ body: [UInt8]) async throws -> String {
                try await RawHTTP.exchange(
                    port: port,
                    head: "POST /\(TestHashes.sha1.value) HTTP/1.1\r\nHost: localhost\r\n"
                        + "Content-Type: multipart/form-data; boundary=\(boundary)\r\nContent-Length: \(body.count)\r\n\r\n",
                    body: body)
            }
            // Fields before the token are bounded: a client without a token gets no more read.
            let padding = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"r\"\r\n\r\n".utf8)
                + [UInt8](repeating: 0x67, count: 40 * 1024) + Array("\r\n".utf8)
            let padded = try await post(padding + form(tokenFirst: true))
            #expect(padded.hasPrefix("HTTP/1.1 401"), "\(padded.prefix(60))")
            let late = try await post(form(tokenFirst: false))
            #expect(late.hasPrefix("HTTP/1.1 401"), "\(late.prefix(60))")
            #expect(server.originalFiles.isEmpty)
            let early = try await post(form(tokenFirst: true))
            #expect(early.hasPrefix("HTTP/1.1 201"), "\(early.prefix(60))")
        }
    }
}
