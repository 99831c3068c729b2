import AvatarCore
import Foundation
import Testing

@Suite struct CropChoiceTests {
    @Test func keywordsAndBoxes() {
        #expect(CropChoice(parsing: "auto") == .auto)
        #expect(CropChoice(parsing: "centre") == .centre && CropChoice(parsing: "center") == .centre)
        #expect(CropChoice(parsing: "0,0,1,1") == .box(CropBox(x: 0, y: 0, width: 1, height: 1)!))
        #expect(CropChoice(parsing: "10,20,300,400") == .box(CropBox(x: 10, y: 20, width: 300, height: 400)!))
        #expect(CropChoice(parsing: "0,0,1000000000,1000000000") != nil)
    }

    @Test(arguments: [
        "", "Auto", "CENTRE", "middle", "1,2,3", "1,2,3,4,5", "1.5,0,5,5", "1,2,3,4.0", "-1,0,5,5", "+1,0,5,5",
        " 1,2,3,4", "1, 2,3,4", "1,2,3,4 ", "1,,3,4", ",1,2,3", "0,0,0,5", "0,0,5,0", "a,b,c,d", "0x1,0,5,5",
        "1e3,0,5,5", "0,0,1000000001,5", "99999999999999999999,0,5,5", "0,0,١,٢",
    ])
    func anythingElseIsRefused(text: String) {
        #expect(CropChoice(parsing: text) == nil)
    }

    @Test func aBoxGivesItsCentredSquareOrNothingWhenItReachesOutside() {
        let wide = CropBox(x: 10, y: 20, width: 100, height: 50)!
        #expect(wide.square(inWidth: 200, height: 100) == AvatarCrop(x: 35, y: 20, size: 50, source: .user))
        let tall = CropBox(x: 0, y: 0, width: 30, height: 61)!
        #expect(tall.square(inWidth: 30, height: 61) == AvatarCrop(x: 0, y: 15, size: 30, source: .user))
        #expect(CropBox(x: 0, y: 0, width: 201, height: 10)!.square(inWidth: 200, height: 100) == nil)
        #expect(CropBox(x: 150, y: 0, width: 51, height: 10)!.square(inWidth: 200, height: 100) == nil)
        #expect(CropBox(x: 0, y: 91, width: 10, height: 10)!.square(inWidth: 200, height: 100) == nil)
        let huge = CropBox(x: 1_000_000_000, y: 1_000_000_000, width: 1_000_000_000, height: 1_000_000_000)!
        #expect(huge.square(inWidth: 200, height: 100) == nil)
    }

    @Test func theCentreSquareAndFit() {
        #expect(AvatarCrop.centre(width: 300, height: 200) == AvatarCrop(x: 50, y: 0, size: 200, source: .centre))
        #expect(AvatarCrop.centre(width: 40, height: 61) == AvatarCrop(x: 0, y: 10, size: 40, source: .centre))
        #expect(AvatarCrop(x: 0, y: 0, size: 10, source: .user).fits(width: 10, height: 10))
        #expect(!AvatarCrop(x: 1, y: 0, size: 10, source: .user).fits(width: 10, height: 10))
        #expect(!AvatarCrop(x: -1, y: 0, size: 5, source: .user).fits(width: 10, height: 10))
        #expect(!AvatarCrop(x: 0, y: 0, size: 0, source: .user).fits(width: 10, height: 10))
    }
}

@Suite struct CropVersionTests {
    let original = OriginalVersion.of(Array("some original".utf8))

    @Test func theCentreKeepsTheOriginalsVersionAndEveryOtherSquareDerivesOne() {
        let centre = AvatarCrop.centre(width: 300, height: 200)
        #expect(OriginalVersion.of(original: original, crop: centre) == original)
        let user = AvatarCrop(x: 50, y: 0, size: 200, source: .user)
        let derived = OriginalVersion.of(original: original, crop: user)
        #expect(derived != original && OriginalVersion.isWellFormed(derived))
        // The square, not what chose it, names the version.
        #expect(OriginalVersion.of(original: original, crop: AvatarCrop(x: 50, y: 0, size: 200, source: .faces)) == derived)
        #expect(OriginalVersion.of(original: original, crop: AvatarCrop(x: 51, y: 0, size: 200, source: .user)) != derived)
        #expect(OriginalVersion.of(original: original, crop: AvatarCrop(x: 50, y: 0, size: 199, source: .user)) != derived)
    }

    @Test func recordsStoredBeforeCropsReadAsTheirCentreSquare() throws {
        let json = """
            {"hash":"0123456789abcdef0123456789abcdef","version":"\(original)","format":"jpeg","width":300,
             "height":200,"bytes":10,"rating":"g","createdAt":0,"updatedAt":0}
            """
        let record = try JSONDecoder().decode(AvatarRecord.self, from: Data(json.utf8))
        #expect(record.original == original && record.version == original)
        #expect(record.crop == AvatarCrop(x: 50, y: 0, size: 200, source: .centre))
        let again = try JSONDecoder().decode(AvatarRecord.self, from: JSONEncoder().encode(record))
        #expect(again == record)
    }
}
