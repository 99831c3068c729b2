import AvatarCore
import AvatarTestSupport
import Logging
import Testing

@testable import RenderPipeline

/// An animated master keeps every frame exactly, with its delays and loop count, and its
/// stored form is read back only when whole.
@Suite struct AnimatedMasterTests {
    @Test func itKeepsEveryFrameItsDelaysAndLoop() async throws {
        let pipeline = try ImagePipeline(settings: PipelineSettings(), logger: Logger(label: "test"))
        let master = try await pipeline.animatedMaster(
            of: try Fixtures.bytes("moving.gif"), crop: AvatarCrop(x: 0, y: 0, size: 40, source: .user), side: 40)
        #expect(master.side == 40 && master.frames == 5)
        #expect(master.delays == [40, 120, 200, 70, 500])
        #expect(master.loop == ImageProbe.animation(try Fixtures.bytes("moving.gif"))?.loop)
        #expect(AnimatedMaster(serialized: master.serialized) == master)
        let probe = try #require(ImageProbe(master.png))
        #expect(probe.width == 40 && probe.height == 200, "five 40 px frames stacked")
    }

    @Test func aDamagedStoredFormIsNotRead() {
        let master = AnimatedMaster(side: 2, frames: 3, delays: [10, 20, 30], loop: nil, png: [1, 2, 3])
        let stored = master.serialized
        #expect(AnimatedMaster(serialized: stored) == master)
        #expect(AnimatedMaster(serialized: AnimatedMaster(side: 2, frames: 3, delays: nil, loop: 0, png: [9]).serialized)?.loop == 0)
        for cut in [0, 4, 19, 20, 32] {
            #expect(AnimatedMaster(serialized: stored.prefix(cut)) == nil, "cut at \(cut)")
        }
        var otherCount = stored
        otherCount[19] = 2
        #expect(AnimatedMaster(serialized: otherCount) == nil, "two delays for three frames")
        var noFrames = stored
        noFrames[11] = 0
        #expect(AnimatedMaster(serialized: noFrames) == nil)
        #expect(AnimatedMaster(serialized: [UInt8](repeating: 0xFF, count: 64)) == nil)
    }
}
