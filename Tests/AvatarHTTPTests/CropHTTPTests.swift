import AvatarAuth
import AvatarCore
import AvatarTestSupport
import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// A multipart form of text fields, then the `avatar` file.
func form(_ fields: [String: String], file: [UInt8], boundary: String = "crop-form") -> (HTTPFields, ByteBuffer) {
    var body: [UInt8] = []
    for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
        body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
    }
    body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"a\"\r\n\r\n".utf8)
    body += file + Array("\r\n--\(boundary)--\r\n".utf8)
    return ([.contentType: "multipart/form-data; boundary=\(boundary)"], ByteBuffer(bytes: body))
}

extension TestClientProtocol {
    func patch(_ hash: AvatarHash, tokens: UploadTokens, query: String = "", headers: HTTPFields = [:], body: String? = nil)
        async throws -> TestResponse
    {
        var headers = headers
        headers[.authorization] = "Bearer \(try await tokens.token(for: hash, ttl: 60))"
        return try await executeRequest(
            uri: "/\(hash.value)\(query)", method: .patch, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }

    /// The colour at the middle of the avatar's 40 px PNG.
    func middle(_ hash: AvatarHash) async throws -> [Double]? {
        ImageProbe.pixel(try await get("/\(hash.value).png?s=40").bytes, x: 20, y: 20)
    }
}

/// Every original file's name and bytes.
func originalContents(_ server: LiveServer) throws -> [String: Data] {
    try Dictionary(uniqueKeysWithValues: server.originalFiles.map {
        ($0, try Data(contentsOf: URL(fileURLWithPath: server.originalsDirectory + "/" + $0)))
    })
}

@Suite struct CropHTTPTests {
    let hash = TestHashes.md5

    @Test func boxesInEachQuadrantRenderThatColourByQueryAndByFormField() async throws {
        let server = try LiveServer()
        try await server.run { client, tokens in
            let quadrants = try Fixtures.bytes("quadrants.png")
            for (box, colour) in quadrantColours {
                let put = try await client.upload(quadrants, to: hash, tokens: tokens, query: "?crop=\(box)")
                #expect(put.status == .created || put.status == .ok)
                let crop = try #require(put.json["crop"] as? [String: Any])
                #expect(crop["source"] as? String == "user" && crop["size"] as? Int == 50)
                #expect(near(try await client.middle(hash), colour), "\(box) by query")
                let large = try await client.get("/\(hash.value).png?s=600")
                #expect(near(ImageProbe.pixel(large.bytes, x: 300, y: 300), colour), "\(box) at 600 px")
            }
            let token = try await tokens.token(for: hash, ttl: 60)
            let (headers, body) = form(["token": token, "crop": "100,50,100,50"], file: quadrants)
            let post = try await client.executeRequest(uri: "/\(hash.value)", method: .post, headers: headers, body: body)
            #expect(post.status == .ok, "\(String(buffer: post.body))")
            #expect(near(try await client.middle(hash), quadrantColours[3].rgb), "by form field")
            #expect(server.originalFiles.count == 1)
        }
    }

    @Test func badBoxesAre400AndStoreNothing() async throws {
        let server = try LiveServer()
        try await server.run { client, tokens in
            let quadrants = try Fixtures.bytes("quadrants.png")
            for crop in ["0,0,201,10", "150,0,100,50", "0,60,10,41", "-1,0,5,5", "0,0,0,5", "0,0,5,0", "a,b,c,d",
                         "1.5,0,5,5", "1,2,3", "1,2,3,4,5", "%201,2,3,4", "%2B1,2,3,4", "", "middle"]
            {
                let response = try await client.upload(quadrants, to: hash, tokens: tokens, query: "?crop=\(crop)")
                #expect(response.status == .badRequest, "\(crop)")
                #expect(response.json["error"] as? String == "invalid_parameter", "\(crop)")
                let token = try await tokens.token(for: hash, ttl: 60)
                let (headers, body) = form(["token": token, "crop": crop], file: quadrants)
                let post = try await client.executeRequest(uri: "/\(hash.value)", method: .post, headers: headers, body: body)
                #expect(post.status == .badRequest, "\(crop) as a form field")
            }
            #expect(server.originalFiles.isEmpty)
            #expect(try await client.get("/\(hash.value)").status == .notFound)
        }
    }

    @Test func patchRecropsWithoutTouchingTheStoredOriginal() async throws {
        let server = try LiveServer()
        try await server.run { client, tokens in
            let first = try await client.upload(try Fixtures.bytes("quadrants.png"), to: hash, tokens: tokens, query: "?crop=0,0,100,50")
            let before = try await client.get("/\(hash.value).png?s=40")
            #expect(near(ImageProbe.pixel(before.bytes, x: 20, y: 20), quadrantColours[0].rgb))
            let stored = try originalContents(server)
            #expect(stored.count == 1)

            var versions = [try #require(first.json["version"] as? String)]
            var etags = [try #require(before.headers[.eTag])]
            let patches: [(query: String, headers: HTTPFields, body: String?, colour: Int)] = [
                ("?crop=100,50,100,50", [:], nil, 3),
                ("", [.contentType: "application/json"], #"{"crop": "100,0,100,50"}"#, 1),
                ("", [.contentType: "application/x-www-form-urlencoded"], "crop=0%2C50%2C100%2C50", 2),
                ("", [.contentType: "multipart/form-data; boundary=b"],
                 "--b\r\nContent-Disposition: form-data; name=\"crop\"\r\n\r\n0,0,100,50\r\n--b--\r\n", 0),
            ]
            for patch in patches {
                let response = try await client.patch(hash, tokens: tokens, query: patch.query, headers: patch.headers, body: patch.body)
                #expect(response.status == .ok, "\(patch.query) \(patch.body ?? "") \(String(buffer: response.body))")
                let version = try #require(response.json["version"] as? String)
                #expect(response.json["original"] as? String == first.json["original"] as? String)
                #expect(response.headers[.location] == "/\(hash.value)?v=\(version)")
                let after = try await client.get("/\(hash.value).png?s=40")
                #expect(near(ImageProbe.pixel(after.bytes, x: 20, y: 20), quadrantColours[patch.colour].rgb))
                versions.append(version)
                etags.append(try #require(after.headers[.eTag]))
                #expect(try originalContents(server) == stored, "the original's file is untouched")
            }
            // Back at the first box: the first version and ETag again; every other one distinct.
            #expect(versions.last == versions.first && etags.last == etags.first)
            #expect(Set(versions.dropLast()).count == versions.count - 1 && Set(etags.dropLast()).count == etags.count - 1)
            // An old version's URL no longer shows the old square.
            let old = try await client.get("/\(hash.value).png?s=40&v=\(versions[1])")
            #expect(old.headers[.eTag] == etags.last)
        }
    }

    @Test func patchRefusals() async throws {
        let server = try LiveServer()
        try await server.run { client, tokens in
            #expect(try await client.patch(hash, tokens: tokens, query: "?crop=auto").status == .notFound)
            _ = try await client.upload(try Fixtures.bytes("quadrants.png"), to: hash, tokens: tokens, query: "?crop=centre")
            let stored = try originalContents(server)
            let etag = try await client.get("/\(hash.value)?s=40").headers[.eTag]
            for query in ["?crop=0,0,201,100", "?crop=1.5,0,1,1", "", "?crop="] {
                let response = try await client.patch(hash, tokens: tokens, query: query)
                #expect(response.status == .badRequest, "\(query)")
            }
            let badJSON = try await client.patch(hash, tokens: tokens, headers: [.contentType: "application/json"], body: "{\"crop\": 5}")
            #expect(badJSON.status == .badRequest)
            let anonymous = try await client.executeRequest(uri: "/\(hash.value)?crop=auto", method: .patch, headers: [:], body: nil)
            #expect(anonymous.status == .unauthorized)
            let elsewhere = try await tokens.token(for: TestHashes.other, ttl: 60)
            let forbidden = try await client.executeRequest(
                uri: "/\(hash.value)?crop=auto", method: .patch, headers: [.authorization: "Bearer \(elsewhere)"], body: nil)
            #expect(forbidden.status == .forbidden)
            #expect(try await client.get("/\(hash.value)?s=40").headers[.eTag] == etag)
            #expect(try originalContents(server) == stored)
        }
    }

    @Test func autoByDefaultFramesTheFaceAndCentreKeepsTheOldSquare() async throws {
        let server = try LiveServer()
        try await server.run { client, tokens in
            let photo = try Fixtures.bytes("face-off-centre.jpg")
            let auto = try await client.upload(photo, to: hash, tokens: tokens)
            let crop = try #require(auto.json["crop"] as? [String: Any])
            #expect(crop["source"] as? String == "faces")
            let x = try #require(crop["x"] as? Int), size = try #require(crop["size"] as? Int)
            #expect(x <= 1238 && x + size >= 1318)
            #expect(auto.json["version"] as? String != auto.json["original"] as? String)

            let centre = try await client.patch(hash, tokens: tokens, query: "?crop=center")
            #expect((centre.json["crop"] as? [String: Any])?["source"] as? String == "centre")
            #expect(centre.json["version"] as? String == centre.json["original"] as? String)
            #expect(centre.json["version"] as? String == OriginalVersion.of(photo))
        }
    }

    @Test func theDefaultCropIsConfigurable() async throws {
        let server = try LiveServer(["AVATARS_IMAGES_DEFAULT_CROP": "centre"])
        try await server.run { client, tokens in
            let put = try await client.upload(try Fixtures.bytes("face-off-centre.jpg"), to: hash, tokens: tokens)
            #expect((put.json["crop"] as? [String: Any])?["source"] as? String == "centre")
            let auto = try await client.upload(try Fixtures.bytes("no-face.png"), to: hash, tokens: tokens, query: "?crop=auto")
            #expect((auto.json["crop"] as? [String: Any])?["source"] as? String == "attention")
        }
    }

    @Test func aCascadeThatCannotBeLoadedLeavesTheServerServingOnAttention() async throws {
        let server = try LiveServer(["AVATARS_IMAGES_FACE_CASCADE": "/nonexistent/cascade.xml"])
        try await server.run { client, tokens in
            let put = try await client.upload(try Fixtures.bytes("face-off-centre.jpg"), to: hash, tokens: tokens)
            #expect(put.status == .created)
            #expect((put.json["crop"] as? [String: Any])?["source"] as? String == "attention")
            #expect(try await client.get("/\(hash.value)?s=40").status == .ok)
        }
        #expect(server.logs.all.contains { $0.level == .warning && $0.message.contains("face cascade could not be loaded") })
    }

    /// Renders of the centre square, as the build before crops made them (bytes' SHA-256
    /// prefix and ETag): records from before, and `crop=centre`, must not change.
    @Test func centreRendersTheBytesAndETagsOfBeforeCrops() async throws {
        let golden: [(file: String, path: String, sha: String, etag: String)] = [
            ("photo.jpg", "jpg?s=80", "e1ed65337d3e5f1d", "a6d45933a51e7943cf28-p2-s80-jpeg-q80-e2"),
            ("photo.jpg", "png?s=80", "c92cd80f3f333d8b", "a6d45933a51e7943cf28-p2-s80-png-q80-e2"),
            ("photo.jpg", "webp?s=33", "685024a73ea5b05f", "a6d45933a51e7943cf28-p2-s33-webp-q80-e2"),
            ("photo.jpg", "png?s=600", "4334e084de7c3a0c", "a6d45933a51e7943cf28-p2-s600-png-q80-e2"),
            ("orientation-6.jpg", "jpg?s=80", "7f6da67d63cb0471", "f583035c5ede7b617b46-p2-s80-jpeg-q80-e2"),
            ("orientation-6.jpg", "png?s=80", "529b5fd030f9f82c", "f583035c5ede7b617b46-p2-s80-png-q80-e2"),
            ("orientation-6.jpg", "webp?s=33", "2a74a1bc2d90e3cf", "f583035c5ede7b617b46-p2-s33-webp-q80-e2"),
            ("orientation-6.jpg", "png?s=600", "40617aca3f85b22b", "f583035c5ede7b617b46-p2-s600-png-q80-e2"),
            ("alpha.png", "jpg?s=80", "4f5c5f04ea69bc2c", "edd619f8a81ad7ec401b-p2-s80-jpeg-q80-e2"),
            ("alpha.png", "png?s=80", "6f5e263941441f5e", "edd619f8a81ad7ec401b-p2-s80-png-q80-e2"),
            ("alpha.png", "webp?s=33", "a537679b606cdcec", "edd619f8a81ad7ec401b-p2-s33-webp-q80-e2"),
            ("alpha.png", "png?s=600", "e5176ea9a0e41b7c", "edd619f8a81ad7ec401b-p2-s600-png-q80-e2"),
            ("cmyk.jpg", "jpg?s=80", "dfba58061d806c33", "7997997ae6237e6eaac6-p2-s80-jpeg-q80-e2"),
            ("cmyk.jpg", "png?s=80", "c4537da1267fb5a1", "7997997ae6237e6eaac6-p2-s80-png-q80-e2"),
            ("cmyk.jpg", "webp?s=33", "d183a05155acc388", "7997997ae6237e6eaac6-p2-s33-webp-q80-e2"),
            ("cmyk.jpg", "png?s=600", "aed62d9f30f433d4", "7997997ae6237e6eaac6-p2-s600-png-q80-e2"),
            ("photo.webp", "jpg?s=80", "f941326b7356d637", "51b1a567906652bd9c12-p2-s80-jpeg-q80-e2"),
            ("photo.webp", "png?s=80", "57c9fffe64128763", "51b1a567906652bd9c12-p2-s80-png-q80-e2"),
            ("photo.webp", "webp?s=33", "7b80e6b0a5a48c80", "51b1a567906652bd9c12-p2-s33-webp-q80-e2"),
            ("photo.webp", "png?s=600", "2b77e61177426d7f", "51b1a567906652bd9c12-p2-s600-png-q80-e2"),
        ]
        let server = try LiveServer()
        try await server.run { client, tokens in
            for file in Set(golden.map(\.file)).sorted() {
                _ = try await client.upload(try Fixtures.bytes(file), to: hash, tokens: tokens, query: "?crop=centre")
                for row in golden where row.file == file {
                    let response = try await client.get("/\(hash.value).\(row.path)")
                    let sha = SHA256.hash(data: response.bytes).prefix(8).map { String(format: "%02x", $0) }.joined()
                    #expect(sha == row.sha && response.headers[.eTag] == "\"\(row.etag)\"", "\(file) \(row.path)")
                }
            }
        }
    }
}
