import AvatarCore
import Testing

@Suite struct AvatarHashTests {
    @Test(arguments: [32, 40, 64])
    func acceptsHexDigestsAndLowercases(length: Int) throws {
        let text = String(repeating: "aB3", count: 30).prefix(length)
        let hash = try #require(AvatarHash(text))
        #expect(hash.value == text.lowercased())
    }

    @Test(arguments: ["", "abc", String(repeating: "a", count: 31), String(repeating: "a", count: 33),
                      String(repeating: "g", count: 32), String(repeating: "a", count: 63) + "-",
                      String(repeating: "é", count: 16)])
    func refusesAnythingElse(text: String) {
        #expect(AvatarHash(text) == nil)
    }
}

@Suite struct ImageFormatTests {
    @Test func extensionsNameOutputFormats() {
        #expect(ImageFormat(fileExtension: "JPG") == .jpeg)
        #expect(ImageFormat(fileExtension: "jpeg") == .jpeg)
        #expect(ImageFormat(fileExtension: "avif") == .avif)
        #expect(ImageFormat(fileExtension: "heic") == nil)
        #expect(ImageFormat(fileExtension: "svg") == nil)
    }

    @Test func originalsRenderInTheirFamily() {
        #expect(ImageFormat.jpeg.defaultOutput == .jpeg)
        #expect(ImageFormat.png.defaultOutput == .png)
        #expect(ImageFormat.gif.defaultOutput == .png)
        #expect(ImageFormat.webp.defaultOutput == .webp)
        #expect(ImageFormat.heif.defaultOutput == .avif)
        #expect(ImageFormat.avif.defaultOutput == .avif)
    }
}

@Suite struct RatingAndVersionTests {
    @Test func ratingsAreOrdered() {
        #expect(Rating.g < .pg && Rating.pg < .r && Rating.r < .x)
        #expect(Rating(parameter: "PG") == .pg)
        #expect(Rating(parameter: "nc17") == nil)
    }

    @Test func versionIsAContentHash() {
        let a = OriginalVersion.of([1, 2, 3])
        #expect(a == OriginalVersion.of([1, 2, 3]))
        #expect(a != OriginalVersion.of([1, 2, 4]))
        #expect(a.count == 20 && a.allSatisfy(\.isHexDigit))
    }
}
