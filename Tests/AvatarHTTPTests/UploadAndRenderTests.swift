import AvatarCore
import AvatarTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import RenderPipeline
import Testing

@Suite struct UploadAndRenderTests {
    @Test func putUploadThenExactSquaresInEveryFormat() async throws {
        let server = try LiveServer()
        try await server.run { client, tokens in
            let photo = try Fixtures.bytes("photo.jpg")
            let created = try await client.upload(photo, to: TestHashes.md5, tokens: tokens)
            #expect(created.status == .created)
            let json = created.json
            let version = try #require(json["version"] as? String)
            #expect(json["hash"] as? String == TestHashes.md5.value)
            #expect(json["format"] as? String == "jpeg")
            #expect(json["width"] as? Int == 300 && json["height"] as? Int == 200)
            #expect(json["bytes"] as? Int == photo.count && json["rating"] as? String == "g")
            #expect(json["url"] as? String == "/\(TestHashes.md5.value)?v=\(version)")
            #expect(json["createdAt"] is String && json["updatedAt"] is String)

            for size in [1, 80, 2048] {
                for ext in ["jpg", "jpeg", "png", "webp", "avif", "gif"] {
                    for prefix in ["", "/avatar"] {
                        if prefix == "/avatar" && size != 80 { continue }
                        let response = try await client.get("\(prefix)/\(TestHashes.md5.value).\(ext)?s=\(size)")
                        #expect(response.status == .ok, "\(ext) \(size)")
                        let format = ImageFormat(fileExtension: ext)!
                        #expect(response.headers[.contentType] == format.contentType)
                        #expect(response.headers[.contentLength] == String(response.bytes.count))
                        #expect(FormatSniffer.format(of: response.bytes) == format, "\(ext) \(size)")
                        let probe = try #require(ImageProbe(response.bytes), "\(ext) \(size)")
                        #expect(probe.width == size && probe.height == size, "\(ext) \(size)")
                        #expect(!probe.hasEXIF, "\(ext) \(size)")
                    }
                }
            }
        }
    }

    @Test func sizeDefaultsClampsAndAliases() async throws {
        let server = try LiveServer()
        try await server.run { client, tokens in
            _ = try await client.upload(try Fixtures.bytes("photo.png"), to: TestHashes.sha256, tokens: tokens)
            let cases: [(String, Int)] = [("", 80), ("?s=31", 31), ("?size=64", 64), ("?s=5000", 2048),
                                          ("?s=99999999999999999999999", 2048)]
            for (query, size) in cases {
                let response = try await client.get("/avatar/\(TestHashes.sha256.value)\(query)")
                #expect(response.status == .ok, "\(query)")
                #expect(ImageProbe(response.bytes).map { [$0.width, $0.height] } == [size, size], "\(query)")
            }
        }
    }

    @Test func withoutAnExtensionTheOriginalsFamilyIsKept() async throws {
        let server = try LiveServer()
        try await server.run { client, tokens in
            let cases: [(String, ImageFormat, AvatarHash)] = [
                ("photo.jpg", .jpeg, TestHashes.md5), ("photo.png", .png, TestHashes.sha1),
                // An animation keeps its own family (a still GIF gives PNG).
                ("animated.gif", .gif, TestHashes.sha256), ("photo.webp", .webp, TestHashes.other),
            ]
            for (name, format, hash) in cases {
                #expect(try await client.upload(try Fixtures.bytes(name), to: hash, tokens: tokens).status == .created)
                let response = try await client.get("/\(hash.value.uppercased())?s=40")
                #expect(response.headers[.contentType] == format.contentType, "\(name)")
                #expect(FormatSniffer.format(of: response.bytes) == format, "\(name)")
            }
            let avifHash = AvatarHash(String(repeating: "c", count: 40))!
            _ = try await client.upload(try Fixtures.bytes("photo.avif"), to: avifHash, tokens: tokens)
            let avif = try await client.get("/\(avifHash.value)?s=40")
            #expect(avif.headers[.contentType] == "image/avif" && FormatSniffer.format(of: avif.bytes) == .avif)
        }
    }

    @Test func exifRotatedComesOutUprightWithoutExifAndCMYKComesOutSRGB() async throws {
        let server = try LiveServer()
        try await server.run { client, tokens in
            _ = try await client.upload(try Fixtures.bytes("orientation-6.jpg"), to: TestHashes.md5, tokens: tokens)
            let rotated = try await client.get("/\(TestHashes.md5.value).png?s=80")
            let top = try #require(ImageProbe.pixel(rotated.bytes, x: 40, y: 5))
            let bottom = try #require(ImageProbe.pixel(rotated.bytes, x: 40, y: 75))
            #expect(top[0] > 180 && top[2] < 80 && bottom[2] > 180 && bottom[0] < 80)
            let jpeg = try await client.get("/\(TestHashes.md5.value)?s=80")
            #expect(ImageProbe(jpeg.bytes)?.hasEXIF == false)
            #expect(!Data(jpeg.bytes).contains(Data("Exif".utf8)))

            _ = try await client.upload(try Fixtures.bytes("cmyk.jpg"), to: TestHashes.sha1, tokens: tokens)
            let cmyk = try await client.get("/\(TestHashes.sha1.value)?s=48")
            let probe = try #require(ImageProbe(cmyk.bytes))
            #expect(probe.isSRGB && probe.bands == 3)
        }
    }

    @Test func multipartPostWithTheTokenInAFormField() async throws {
        let server = try LiveServer()
        try await server.run { client, tokens in
            let boundary = "avatars-boundary-42"
            func form(_ image: [UInt8], token: String, rating: String) -> ByteBuffer {
                var body = ByteBuffer()
                body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\n\(token)\r\n")
                body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"r\"\r\n\r\n\(rating)\r\n")
                body.writeString(
                    "--\(boundary)\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"a.png\"\r\n"
                        + "Content-Type: image/png\r\n\r\n")
                body.writeBytes(image)
                body.writeString("\r\n--\(boundary)--\r\n")
                return body
            }
            let token = try await tokens.token(for: TestHashes.sha1, ttl: 60)
            let headers: HTTPFields = [.contentType: "multipart/form-data; boundary=\(boundary)"]
            let created = try await client.executeRequest(
                uri: "/\(TestHashes.sha1.value)", method: .post, headers: headers,
                body: form(try Fixtures.bytes("alpha.png"), token: token, rating: "pg"))
            #expect(created.status == .created)
            #expect(created.json["format"] as? String == "png" && created.json["rating"] as? String == "pg")
            let replaced = try await client.executeRequest(
                uri: "/\(TestHashes.sha1.value)", method: .post, headers: headers,
                body: form(try Fixtures.bytes("photo.png"), token: token, rating: "g"))
            #expect(replaced.status == .ok)
            #expect(replaced.json["version"] as? String != created.json["version"] as? String)

            let md5Token = try await tokens.token(for: TestHashes.md5, ttl: 60)
            let forbidden = try await client.executeRequest(
                uri: "/\(TestHashes.sha1.value)", method: .post, headers: headers,
                body: form(try Fixtures.bytes("photo.png"), token: md5Token, rating: "g"))
            #expect(forbidden.status == .forbidden)

            let rawPost = try await client.executeRequest(
                uri: "/\(TestHashes.md5.value)?token=\(md5Token)", method: .post, headers: [:],
                body: ByteBuffer(bytes: try Fixtures.bytes("photo.jpg")))
            #expect(rawPost.status == .created)
            #expect(try await client.get("/\(TestHashes.md5.value)").status == .ok)
        }
    }
}
