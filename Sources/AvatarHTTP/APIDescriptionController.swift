import AvatarCore
import Foundation
import Hummingbird

/// `GET /openapi.json`: the OpenAPI 3.1 description of every endpoint, kept in the
/// repository beside this file and read once at start-up.
struct APIDescriptionController {
    /// The document's bytes; `nil` when the binary was copied without its resources.
    static let document = ModuleResources.bytes("openapi.json")

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
