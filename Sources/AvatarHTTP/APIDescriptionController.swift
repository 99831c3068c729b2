import AvatarCore
import Foundation
import Hummingbird

/// `GET /openapi.json`: the OpenAPI 3.1 description of every endpoint, kept in the
/// repository beside this file and read once at start-up.
struct APIDescriptionController {
    /// Where SwiftPM puts this module's resources: a folder beside the binary.
    static let resourceFolder = "avatars_AvatarHTTP.resources"

    /// The document's bytes, from the resources beside the binary; `nil` when the binary was
    /// copied without them (SwiftPM's own accessor would stop the process instead).
    static let document: ByteBuffer? = Bundle.main.executableURL.flatMap { executable in
        try? Data(contentsOf: executable.deletingLastPathComponent().appendingPathComponent("\(resourceFolder)/openapi.json"))
    }.map { ByteBuffer(bytes: $0) }

    func addRoutes(to router: Router<AvatarRequestContext>) {
        let document = Self.document
        router.get("/openapi.json") { _, _ in
            guard let document else { throw AvatarError.internalFailure(reason: "openapi.json is missing beside the binary") }
            return Response(
                status: .ok, headers: [.contentType: "application/json", .cacheControl: "public, max-age=300"],
                body: .init(byteBuffer: document))
        }
    }
}
