import AvatarAuth
import AvatarCore
import AvatarHTTP
import AvatarTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// `GET /info/<hash>`: facts and placeholder, with the images' validators, freshness and `r`
/// rules; the ThumbHash checked against the reference implementation (`thumbhash-python`,
/// installed by scripts/test-services as AVATARS_TEST_PYTHON).
@Suite struct InfoTests {
    let hash = TestHashes.md5

    /// The reference's ThumbHash of `png`'s RGBA, and its decodings of that hash and of
    /// `ours` (at the reference's own size), for comparison.
    static func reference(png: [UInt8], ours: String) throws -> (hash: String, decodedSame: Bool) {
        let python = ProcessInfo.processInfo.environment["AVATARS_TEST_PYTHON"] ?? "python3"
        let script = """
            import base64, io, sys, thumbhash
            from PIL import Image
            image = Image.open(io.BytesIO(sys.stdin.buffer.read())).convert("RGBA")
            flat = [c for p in image.getdata() for c in p]
            theirs = thumbhash.encode.rgba_to_thumbhash(image.width, image.height, flat)
            a = thumbhash.decode.thumbhash_to_rgba(theirs)
            b = thumbhash.decode.thumbhash_to_rgba(base64.b64decode(sys.argv[1]))
            same = a[0] == b[0] and a[1] == b[1] and max(abs(x - y) for x, y in zip(a[2], b[2])) <= 3
            print(base64.b64encode(theirs).decode(), same)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-c", script, ours]
        let (input, output) = (Pipe(), Pipe())
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(png))
        try input.fileHandleForWriting.close()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let words = text.split(whereSeparator: \.isWhitespace)
        guard words.count == 2 else { throw ReferenceFailed(output: text) }
        return (String(words[0]), words[1] == "True")
    }

    struct ReferenceFailed: Error { let output: String }

    @Test(arguments: ["photo.jpg", "alpha.png", "animated.gif"])
    func factsAndAPlaceholderMatchingTheReference(fixture: String) async throws {
        try await LiveServer().run { client, tokens in
            let upload = try await client.upload(try Fixtures.bytes(fixture), to: hash, tokens: tokens)
            let version = try #require(upload.json["version"] as? String)
            let info = try await client.get("/info/\(hash.value)")
            #expect(info.status == .ok && info.headers[.contentType] == "application/json; charset=utf-8")
            let json = info.json
            #expect(json["hash"] as? String == hash.value && json["version"] as? String == version)
            #expect(json["url"] as? String == "/\(hash.value)?v=\(version)")
            #expect(json["width"] as? Int == upload.json["width"] as? Int && json["rating"] as? String == "g")
            #expect((json["crop"] as? [String: Any])?["size"] as? Int == (upload.json["crop"] as? [String: Any])?["size"] as? Int)
            #expect(json["updatedAt"] as? String != nil)
            let pages = try #require(ImageProbe(try Fixtures.bytes(fixture))).pages
            #expect(json["animated"] as? Bool == (fixture == "animated.gif") && json["frames"] as? Int == pages)
            #expect(fixture != "animated.gif" || pages > 1)

            // The 100 px square as the server renders it: its mean colour and ThumbHash.
            let square = try await client.get("/\(hash.value).png?s=100").bytes
            let ours = try #require(json["thumbhash"] as? String)
            let reference = try Self.reference(png: square, ours: ours)
            print("thumbhash \(fixture): ours \(ours), reference \(reference.hash)")
            #expect(ours == reference.hash || reference.decodedSame, "ours \(ours), the reference's \(reference.hash)")
            let colour = try #require(json["dominantColor"] as? String)
            #expect(colour.count == 7 && colour.hasPrefix("#") && RGBColour(hex: colour.dropFirst()) != nil)
            if fixture == "photo.jpg" {
                let mean = try #require(ImageProbe.pixel(try await client.get("/\(hash.value).png?s=1").bytes, x: 0, y: 0))
                let ourMean = RGBColour(hex: colour.dropFirst())!
                #expect(near([Double(ourMean.red), Double(ourMean.green), Double(ourMean.blue)], Array(mean.prefix(3)), tolerance: 40))
            }
        }
    }

    @Test func nothingVisibleHasNoDominantColour() async throws {
        try await LiveServer().run { client, tokens in
            _ = try await client.upload(try Fixtures.bytes("clear.png"), to: hash, tokens: tokens)
            let info = try await client.get("/info/\(hash.value)")
            #expect(info.status == .ok && info.json.keys.contains("dominantColor") && info.json["dominantColor"] is NSNull)
            #expect(info.json["frames"] as? Int == 1 && info.json["animated"] as? Bool == false)
        }
    }

    @Test func validatorsFreshnessRatingAndHead() async throws {
        try await LiveServer().run { client, tokens in
            #expect(try await client.get("/info/\(hash.value)").status == .notFound)
            #expect(try await client.get("/info/nothex").status == .badRequest)
            let upload = try await client.upload(try Fixtures.bytes("photo.jpg"), to: hash, tokens: tokens, query: "?r=pg")
            let version = try #require(upload.json["version"] as? String)
            #expect(try await client.get("/info/\(hash.value)").status == .notFound, "rated above the default g")
            let info = try await client.get("/info/\(hash.value)?r=pg")
            #expect(info.status == .ok && info.headers[.cacheControl] == CacheControlPolicy().unversioned)
            #expect(info.headers[HTTPField.Name("Surrogate-Key")!] == hash.value)
            let tag = try #require(info.headers[.eTag])
            let revalidated = try await client.get("/info/\(hash.value)?r=pg", headers: [.ifNoneMatch: tag])
            #expect(revalidated.status == .notModified && revalidated.bytes.isEmpty)
            let versioned = try await client.get("/info/\(hash.value)?r=pg&v=\(version)")
            #expect(versioned.headers[.cacheControl] == "public, max-age=31536000, immutable" && versioned.bytes == info.bytes)
            let head = try await client.executeRequest(uri: "/info/\(hash.value)?r=pg", method: .head, headers: [:], body: nil)
            #expect(head.status == .ok && head.bytes.isEmpty && head.headers[.contentLength] == info.headers[.contentLength])
            #expect(head.headers[.eTag] == tag)

            // The same image again with another rating: new facts, a new validator.
            _ = try await client.upload(try Fixtures.bytes("photo.jpg"), to: hash, tokens: tokens, query: "?r=g")
            let again = try await client.get("/info/\(hash.value)", headers: [.ifNoneMatch: tag])
            #expect(again.status == .ok && again.json["rating"] as? String == "g" && again.headers[.eTag] != tag)
        }
    }
}
