import Foundation
import NIOCore

/// This module's resources (`openapi.json`, `ui/`), read from the folder SwiftPM puts beside
/// the binary. SwiftPM's own accessor stops the process when the folder is missing (a binary
/// copied without it); here a missing file is `nil`, answered as a server error.
enum ModuleResources {
    static let folder = "avatars_AvatarHTTP.resources"

    /// The bytes of `name` (a path inside the folder), read once by the caller at start-up.
    static func bytes(_ name: String) -> ByteBuffer? {
        Bundle.main.executableURL.flatMap { executable in
            try? Data(contentsOf: executable.deletingLastPathComponent().appendingPathComponent("\(folder)/\(name)"))
        }.map { ByteBuffer(bytes: $0) }
    }
}
