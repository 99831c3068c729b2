import AvatarCore
import AvatarTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Animated GIF and WebP originals stay animated in GIF and WebP output: every frame cut to
/// the same square, each with its delay (whole centiseconds in GIF), and the loop count;
/// other formats and `anim=0` give the first frame.
@Suite struct AnimationTests {
    let hash = TestHashes.md5
    /// The left colour of each frame of `moving.gif` and `moving.webp`.
    static let colours: [[Double]] = [[250, 0, 0], [0, 250, 0], [0, 0, 250], [250, 250, 250], [0, 0, 0]]

    /// Uploads `fixture` with its left 40 px square chosen.
    func withAnimation(
        _ fixture: String, _ environment: [String: String] = [:],
        _ body: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        try await LiveServer(environment).run { client, tokens in
            let upload = try await client.upload(try Fixtures.bytes(fixture), to: hash, tokens: tokens, query: "?crop=0,0,40,40")
            #expect(upload.status == .created, "\(upload.json)")
            try await body(client)
        }
    }

    func expectAnimated(
        _ bytes: [UInt8], side: Int, delays: [Int], loop: Int?, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let probe = ImageProbe(bytes)
        #expect(probe?.pages == 5 && probe?.width == side && probe?.height == side, "\(String(describing: probe))",
            sourceLocation: sourceLocation)
        let animation = ImageProbe.animation(bytes)
        #expect(animation?.delays == delays, sourceLocation: sourceLocation)
        #expect(animation?.loop == loop, sourceLocation: sourceLocation)
        for (frame, colour) in Self.colours.enumerated() {
            #expect(near(ImageProbe.pixel(bytes, frame: frame, x: side / 2, y: side / 2), colour),
                "frame \(frame) shows the square's colour", sourceLocation: sourceLocation)
        }
    }

    @Test func aGIFStaysAnimatedInGIFAndWebP() async throws {
        let loop = try #require(ImageProbe.animation(try Fixtures.bytes("moving.gif"))?.loop)
        try await withAnimation("moving.gif") { client in
            let gif = try await client.get("/\(hash.value).gif?s=20")
            #expect(gif.headers[.contentType] == "image/gif")
            expectAnimated(gif.bytes, side: 20, delays: [40, 120, 200, 70, 500], loop: loop)
            let webp = try await client.get("/\(hash.value).webp?s=20")
            expectAnimated(webp.bytes, side: 20, delays: [40, 120, 200, 70, 500], loop: loop)
            let family = try await client.get("/avatar/\(hash.value)?s=20")
            #expect(family.headers[.contentType] == "image/gif" && ImageProbe(family.bytes)?.pages == 5)

            for still in [
                "/\(hash.value).png?s=20", "/\(hash.value).jpg?s=20", "/\(hash.value).avif?s=20", "/\(hash.value).gif?s=20&anim=0",
                "/\(hash.value).webp?s=20&anim=0", "/\(hash.value)?s=20&anim=0",
            ] {
                let answer = try await client.get(still)
                #expect(answer.status == .ok && ImageProbe(answer.bytes)?.pages == 1, "\(still)")
                #expect(near(ImageProbe.pixel(answer.bytes, x: 10, y: 10), Self.colours[0]), "\(still) is the first frame")
            }
            #expect(try await client.get("/\(hash.value).gif?s=20&anim=0").headers[.eTag] != gif.headers[.eTag])
            let refused = try await client.get("/\(hash.value).gif?anim=2")
            #expect(refused.status == .badRequest && (refused.json["message"] as? String)?.hasPrefix("anim:") == true)

            // Animated output is at most images.maxAnimatedSize; a density is only a size.
            #expect(ImageProbe(try await client.get("/\(hash.value).gif?s=600").bytes)?.width == 512)
            #expect(try await client.get("/\(hash.value).gif?s=300&dpr=2").headers[.eTag]
                == (try await client.get("/\(hash.value).gif?s=512").headers[.eTag]))
            #expect(ImageProbe(try await client.get("/\(hash.value).png?s=600").bytes)?.width == 600, "stills are not clamped")

            // Every frame cut to its disc.
            let circle = try await client.get("/\(hash.value).gif?s=20&shape=circle").bytes
            #expect(ImageProbe(circle)?.pages == 5)
            for frame in 0..<5 {
                #expect(ImageProbe.pixel(circle, frame: frame, x: 0, y: 0)?.last == 0, "frame \(frame) corner")
                #expect(ImageProbe.pixel(circle, frame: frame, x: 10, y: 10)?.last == 255, "frame \(frame) middle")
            }

            let info = try await client.get("/info/\(hash.value)")
            #expect(info.json["animated"] as? Bool == true && info.json["frames"] as? Int == 5)
        }
    }

    @Test func aWebPStaysAnimatedAndGIFRoundsItsDelays() async throws {
        try await withAnimation("moving.webp") { client in
            let webp = try await client.get("/\(hash.value).webp?s=24")
            expectAnimated(webp.bytes, side: 24, delays: [45, 120, 200, 73, 500], loop: 3)
            let gif = try await client.get("/\(hash.value).gif?s=24")
            expectAnimated(gif.bytes, side: 24, delays: [50, 120, 200, 70, 500], loop: 3)
            let family = try await client.get("/\(hash.value)?s=24")
            #expect(family.headers[.contentType] == "image/webp" && ImageProbe(family.bytes)?.pages == 5)
        }
    }

    @Test func negotiationKeepsAnimations() async throws {
        try await withAnimation("moving.gif", ["AVATARS_IMAGES_NEGOTIATE": "true"]) { client in
            let chrome = try await client.get("/\(hash.value)?s=20", headers: [.accept: "image/avif,image/webp,*/*"])
            #expect(chrome.headers[.contentType] == "image/webp" && ImageProbe(chrome.bytes)?.pages == 5)
            #expect(chrome.headers[.vary] == "Accept")
            let plain = try await client.get("/\(hash.value)?s=20", headers: [.accept: "*/*"])
            #expect(plain.headers[.contentType] == "image/gif" && ImageProbe(plain.bytes)?.pages == 5)
            // Asked still, an animation negotiates as a still does.
            let still = try await client.get("/\(hash.value)?s=20&anim=0", headers: [.accept: "image/avif,image/webp,*/*"])
            #expect(still.headers[.contentType] == "image/avif" && ImageProbe(still.bytes)?.pages == 1)
        }
        // An animated WebP to a client that does not name WebP: animated GIF.
        try await withAnimation("moving.webp", ["AVATARS_IMAGES_NEGOTIATE": "true"]) { client in
            let old = try await client.get("/\(hash.value)?s=20", headers: [.accept: "image/png,*/*"])
            #expect(old.headers[.contentType] == "image/gif" && ImageProbe(old.bytes)?.pages == 5)
            let new = try await client.get("/\(hash.value)?s=20", headers: [.accept: "image/webp,*/*"])
            #expect(new.headers[.contentType] == "image/webp" && ImageProbe(new.bytes)?.pages == 5)
        }
    }

    /// Every size, format and shape of an animation is rendered from one animated master, so
    /// the original is read and all its frames decoded once per node.
    @Test func everyAnimatedRenderComesFromOneMaster() async throws {
        try await withAnimation("moving.gif") { client in
            let reads = try await metricValue("avatars_original_reads_total", in: client) ?? 0
            let masters = try await metricValue("avatars_masters_total", in: client) ?? 0
            for (uri, side) in [(".gif?s=20", 20), (".webp?s=30", 30), (".gif?s=64&shape=circle", 64), ("?s=40", 40)] {
                let answer = try await client.get("/\(hash.value)\(uri)")
                let probe = ImageProbe(answer.bytes)
                #expect(answer.status == .ok && probe?.pages == 5 && probe?.width == side, "\(uri)")
            }
            let loop = try #require(ImageProbe.animation(try Fixtures.bytes("moving.gif"))?.loop)
            expectAnimated(try await client.get("/\(hash.value).gif?s=20").bytes, side: 20, delays: [40, 120, 200, 70, 500], loop: loop)
            #expect(try await metricValue("avatars_masters_total", in: client) == masters + 1)
            #expect(try await metricValue("avatars_original_reads_total", in: client) == reads + 1)
        }
    }

    /// Frames that are alike once cut to the square are each kept, with their own delays.
    @Test func framesAlikeInTheSquareAreAllKept() async throws {
        try await withAnimation("alike.gif") { client in
            let gif = try await client.get("/\(hash.value).gif?s=20").bytes
            #expect(ImageProbe(gif)?.pages == 5)
            #expect(ImageProbe.animation(gif)?.delays == [40, 120, 200, 70, 500])
        }
    }

    /// All frames together hold at most images.maxAnimationPixels, however large the ask.
    @Test func theFramesOfAnAnimationHoldAtMostTheAnimationPixelLimit() async throws {
        try await withAnimation("moving.gif", ["AVATARS_IMAGES_MAX_ANIMATION_PIXELS": String(5 * 60 * 40)]) { client in
            let large = try await client.get("/\(hash.value).gif?s=100").bytes
            let small = try await client.get("/\(hash.value).gif?s=30").bytes
            let still = try await client.get("/\(hash.value).png?s=100").bytes
            #expect(ImageProbe(large)?.width == 48 && ImageProbe(small)?.width == 30, "48 x 48 x 5 frames is the upload's 60 x 40 x 5")
            #expect(ImageProbe(still)?.width == 100, "stills are not clamped")
        }
    }

    @Test func framesOverTheLimitAreRefusedAndNothingIsStored() async throws {
        let server = try LiveServer(["AVATARS_IMAGES_MAX_FRAMES": "4"])
        try await server.run { client, tokens in
            let upload = try await client.upload(try Fixtures.bytes("moving.gif"), to: hash, tokens: tokens)
            #expect(upload.status == .unprocessableContent && upload.json["error"] as? String == "unprocessable_image")
            #expect(server.originalFiles.isEmpty)
            #expect(try await client.get("/info/\(hash.value)").status == .notFound)
        }
        let pixels = try LiveServer(["AVATARS_IMAGES_MAX_ANIMATION_PIXELS": String(60 * 40 * 4)])
        try await pixels.run { client, tokens in
            let upload = try await client.upload(try Fixtures.bytes("moving.webp"), to: hash, tokens: tokens)
            #expect(upload.status == .unprocessableContent && pixels.originalFiles.isEmpty)
            #expect(try await client.get("/info/\(hash.value)").status == .notFound, "no record either")
        }
    }
}
