import AvatarAuth
import AvatarCore
import AvatarTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// `dpr`, `shape` and `bg`: a density is only a size, a circle keeps the square's middle and
/// clears its corners, and every value outside the contract is a `400` naming its parameter.
@Suite struct ShapeAndDensityTests {
    let hash = TestHashes.md5

    func withPhoto(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await LiveServer().run { client, tokens in
            #expect(try await client.upload(try Fixtures.bytes("photo.jpg"), to: hash, tokens: tokens).status == .created)
            try await body(client)
        }
    }

    @Test func aDensityIsTheSameRenderAsItsSize() async throws {
        try await withPhoto { client in
            let dense = try await client.get("/\(hash.value)?s=80&dpr=2")
            let plain = try await client.get("/\(hash.value)?s=160")
            #expect(dense.status == .ok && dense.bytes == plain.bytes)
            #expect(dense.headers[.eTag] == plain.headers[.eTag])
            #expect(plain.headers[HTTPField.Name("X-Origin-Cache")!] == "HIT", "one render, one cache entry")
            #expect(ImageProbe(try await client.get("/\(hash.value)?s=81&dpr=1.5").bytes)?.width == 122, "121.5 rounds up")
            #expect(ImageProbe(try await client.get("/\(hash.value)?s=33&dpr=1.25").bytes)?.width == 41, "41.25 rounds down")
            #expect(ImageProbe(try await client.get("/\(hash.value)?s=700&dpr=4").bytes)?.width == 2048, "clamped after")
            #expect(try await client.get("/\(hash.value)?s=80&dpr=1").headers[.eTag] == (try await client.get("/\(hash.value)?s=80").headers[.eTag]))
        }
    }

    @Test(arguments: ["0", "0.99", "4.01", "5", "1.234", "", ".5", "1.", "+2", "-1", "2e0", "1,5", "NaN", "02", "1.5.0", " 2"])
    func aDensityOutsideTheContractIsRefused(dpr: String) async throws {
        try await LiveServer().run { client, _ in
            let answer = try await client.get("/\(hash.value)?s=80&dpr=\(dpr.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? dpr)")
            #expect(answer.status == .badRequest)
            #expect((answer.json["message"] as? String)?.hasPrefix("dpr:") == true, "\(answer.json)")
        }
    }

    @Test func aCircleClearsTheCornersAndKeepsTheMiddle() async throws {
        try await withPhoto { client in
            let square = try await client.get("/\(hash.value).png?s=64").bytes
            let middle = try #require(ImageProbe.pixel(square, x: 32, y: 32))
            for format in ["png", "webp", "avif"] {
                let circle = try await client.get("/\(hash.value).\(format)?s=64&shape=circle")
                #expect(circle.status == .ok, "\(format)")
                #expect(ImageProbe(circle.bytes)?.bands == 4, "\(format) carries the corners' transparency")
                for (x, y) in [(0, 0), (63, 0), (0, 63), (63, 63), (4, 4)] {
                    #expect(ImageProbe.pixel(circle.bytes, x: x, y: y)?.last == 0, "\(format) corner \(x),\(y)")
                }
                let centre = try #require(ImageProbe.pixel(circle.bytes, x: 32, y: 32))
                #expect(centre.last == 255, "\(format) middle opaque")
                if format == "png" { #expect(Array(centre.prefix(3)) == Array(middle.prefix(3)), "the middle is the square's") }
            }
            // On the edge's ramp, part covered: neither clear nor opaque.
            let png = try await client.get("/\(hash.value).png?s=64&shape=circle").bytes
            let edge = (0..<32).compactMap { ImageProbe.pixel(png, x: $0, y: 32)?.last }
            #expect(edge.contains { $0 > 0 && $0 < 255 }, "anti-aliased: \(edge)")

            let gif = try await client.get("/\(hash.value).gif?s=64&shape=circle").bytes
            #expect(ImageProbe.pixel(gif, x: 0, y: 0)?.last == 0 && ImageProbe.pixel(gif, x: 32, y: 32)?.last == 255)

            let jpeg = try await client.get("/\(hash.value).jpg?s=64&shape=circle&bg=ff0000").bytes
            #expect(ImageProbe(jpeg)?.bands == 3)
            #expect(near(ImageProbe.pixel(jpeg, x: 1, y: 1), [255, 0, 0]), "the corners are bg")
            let white = try await client.get("/\(hash.value).jpg?s=64&shape=circle").bytes
            #expect(near(ImageProbe.pixel(white, x: 1, y: 1), [255, 255, 255]), "white by default")
            let plainJPEG = try await client.get("/\(hash.value).jpg?s=64").bytes
            let plainMiddle = try #require(ImageProbe.pixel(plainJPEG, x: 32, y: 32))
            #expect(near(ImageProbe.pixel(jpeg, x: 32, y: 32), plainMiddle), "the middle is the square's")
        }
    }

    /// Spellings of the default are the default's render and ETag; `bg` changes the key only
    /// where it changes bytes (JPEG); every shape and colour is a key of its own.
    @Test func keysDifferExactlyWhereBytesDo() async throws {
        try await withPhoto { client in
            let tag = { (query: String) in try await client.get("/\(hash.value)\(query)").headers[.eTag] ?? "-" }
            let plain = try await tag(".png?s=40")
            #expect(try await tag(".png?s=40&shape=square") == plain)
            #expect(try await tag(".png?s=40&bg=00ff00") == plain, "PNG keeps transparency: bg changes no byte")
            #expect(try await tag(".png?s=40&shape=circle") != plain)
            let jpeg = try await tag(".jpg?s=40")
            #expect(try await tag(".jpg?s=40&bg=FFFFFF") == jpeg)
            let black = try await tag(".jpg?s=40&bg=000000")
            #expect(black != jpeg)
            let blackCircle = try await tag(".jpg?s=40&shape=circle&bg=000000")
            #expect(try await tag(".jpg?s=40&shape=circle&bg=0000ff") != blackCircle && blackCircle != black)
        }
    }

    @Test func generatedDefaultsTakeShapeAndBackground() async throws {
        try await LiveServer().run { client, _ in
            let circle = try await client.get("/avatar/\(TestHashes.other.value)?d=identicon&s=64&shape=circle")
            #expect(circle.status == .ok && ImageProbe.pixel(circle.bytes, x: 0, y: 0)?.last == 0)
            let jpeg = try await client.get("/avatar/\(TestHashes.other.value).jpg?d=identicon&s=64&shape=circle&bg=0000ff")
            #expect(near(ImageProbe.pixel(jpeg.bytes, x: 1, y: 1), [0, 0, 255]))
        }
    }

    @Test(arguments: [("shape", "round"), ("shape", "Circle"), ("shape", ""), ("bg", "#ffffff"), ("bg", "fff"),
        ("bg", "gggggg"), ("bg", "ffffff0"), ("bg", "")])
    func shapesAndColoursOutsideTheContractAreRefused(name: String, value: String) async throws {
        try await LiveServer().run { client, _ in
            let answer = try await client.get(
                "/\(hash.value)?\(name)=\(value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? value)")
            #expect(answer.status == .badRequest)
            #expect((answer.json["message"] as? String)?.hasPrefix("\(name):") == true, "\(answer.json)")
        }
    }
}
