import CVips

/// When a render (or an upload's decode) must be done by: fixed when the work is asked
/// for, so time spent waiting for a render thread counts. libvips stops evaluating an
/// image the deadline is attached to once it passes.
struct RenderDeadline: Sendable {
    let instant: ContinuousClock.Instant
    /// The whole allowance, for messages.
    let seconds: Double

    init(seconds: Double) {
        self.seconds = seconds
        instant = .now + .milliseconds(Int64((seconds * 1000).rounded(.up)))
    }

    var hasPassed: Bool { ContinuousClock.now >= instant }

    /// Stops the next evaluation of `image` once the deadline passes.
    func attach(to image: VipsImageHandle) {
        let remaining = ContinuousClock.now.duration(to: instant)
        let seconds = Double(remaining.components.seconds) + Double(remaining.components.attoseconds) / 1e18
        avatars_vips_set_deadline(image.pointer, max(0, seconds))
    }

    /// The failure of an evaluation of `image`: a timeout when the deadline stopped it.
    func failure(of image: VipsImageHandle, step: String) -> RenderFailure {
        let message = Vips.lastError()
        guard avatars_vips_deadline_passed(image.pointer) != 0 else { return RenderFailure(step: step, message: message) }
        return RenderFailure(step: step, message: "stopped after \(seconds) s", timedOut: true)
    }
}
