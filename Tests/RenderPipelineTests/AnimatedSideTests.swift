import Testing

@testable import RenderPipeline

/// The side an animation renders at: its frames together within images.maxAnimationPixels,
/// and never over images.maxAnimatedSize.
@Suite struct AnimatedSideTests {
    @Test(arguments: [(200, 200), (64, 353), (2, 512), (1, 512), (0, 512), (8_000_000, 1), (Int.max, 1)])
    func sidesFollowTheFrames(frames: Int, side: Int) {
        let settings = PipelineSettings()
        #expect(settings.animatedSide(frames: frames) == side)
        let pixels = max(1, frames).multipliedReportingOverflow(by: side * side)
        #expect(side == 1 || (!pixels.overflow && pixels.partialValue <= settings.maxAnimationPixels))
    }
}
