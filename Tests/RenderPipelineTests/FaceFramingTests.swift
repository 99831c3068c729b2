import AvatarCore
@testable import RenderPipeline
import Testing

@Suite struct FaceFramingTests {
    @Test func noFacesNoSquare() {
        #expect(FaceFraming.square(around: [], width: 100, height: 100) == nil)
    }

    @Test func oneFaceGetsTwiceItsSideCentredOnIt() {
        let face = PixelBox(x: 400, y: 300, width: 100, height: 100)
        // max(1.5 x 100, 100 + 100) = 200, centred on (450, 350).
        #expect(FaceFraming.square(around: [face], width: 1000, height: 800) == AvatarCrop(x: 350, y: 250, size: 200, source: .faces))
    }

    @Test func severalFacesAreFramedTogether() {
        let faces = [PixelBox(x: 100, y: 100, width: 50, height: 50), PixelBox(x: 300, y: 120, width: 60, height: 60)]
        // B = (100, 100)-(360, 180): 260 x 80; F = 60; max(390, 320) = 390, centred on (230, 140).
        #expect(FaceFraming.square(around: faces, width: 1000, height: 800) == AvatarCrop(x: 35, y: 0, size: 390, source: .faces))
    }

    @Test func theSquareIsShiftedInsideNeverShrunk() {
        let corner = PixelBox(x: 0, y: 0, width: 40, height: 40)
        #expect(FaceFraming.square(around: [corner], width: 500, height: 300) == AvatarCrop(x: 0, y: 0, size: 80, source: .faces))
        let farCorner = PixelBox(x: 460, y: 260, width: 40, height: 40)
        #expect(FaceFraming.square(around: [farCorner], width: 500, height: 300) == AvatarCrop(x: 420, y: 220, size: 80, source: .faces))
    }

    @Test func theShorterSideCapsTheSquare() {
        let big = PixelBox(x: 100, y: 10, width: 180, height: 180)
        #expect(FaceFraming.square(around: [big], width: 600, height: 200) == AvatarCrop(x: 90, y: 0, size: 200, source: .faces))
    }

    @Test func facesTooFarApartForOneSquareLeaveTheLargestAlone() {
        let faces = [PixelBox(x: 10, y: 50, width: 40, height: 40), PixelBox(x: 900, y: 40, width: 60, height: 60)]
        // B would be 950 wide in a 200 px tall image: the largest face (60) alone, square 120.
        let square = FaceFraming.square(around: faces, width: 1000, height: 200)
        #expect(square == AvatarCrop(x: 870, y: 10, size: 120, source: .faces))
    }
}
