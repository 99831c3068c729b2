import Foundation
import CVips

/// libvips, started once per process with its operation cache off and untrusted
/// loaders (SVG, PDF, JPEG 2000, ...) blocked.
enum Vips {
    private static let started: Bool = avatars_vips_start("avatars") == 0

    static func start() throws(RenderFailure) {
        guard started else { throw RenderFailure(step: "vips_init", message: lastError()) }
    }

    /// Takes and clears libvips' error text. The buffer is process-wide, so under
    /// concurrency it may hold another thread's message too: it is for logs only.
    static func lastError() -> String {
        let message = String(cString: vips_error_buffer())
        vips_error_clear()
        return message.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// A libvips call that failed, with the step that made it and libvips' message.
public struct RenderFailure: Error, Sendable, CustomStringConvertible {
    public let step: String
    public let message: String
    /// Whether the render's deadline stopped it, rather than the image or libvips.
    public var timedOut = false

    public var description: String { "\(step): \(message)" }
}
