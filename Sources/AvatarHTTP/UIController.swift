import AvatarCore
import Foundation
import HTTPTypes
import Hummingbird

/// The pages the origin serves itself (`ui.enabled`: the page at `/`, the upload page at
/// `/upload`, their stylesheet and script) and `/upload/limits`, which tells any page what an
/// upload may be before it is sent.
struct UIController {
    let settings: HTTPSettings

    /// Formats uploads are accepted in, by their bytes, as a browser names them: each format's
    /// type, and `image/heic`, which browsers give HEIF files from phones.
    static let uploadTypes = ImageFormat.allCases.map(\.contentType) + ["image/heic"]

    func addRoutes(to router: Router<AvatarRequestContext>) {
        let limits = ByteBuffer(bytes: Self.limitsJSON(settings))
        router.get("/upload/limits") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-cache"],
                body: .init(byteBuffer: limits))
        }
        guard settings.uiEnabled else { return }
        let page = ByteBuffer(
            string: OperatorPage.html(serverName: settings.serverName, defaultSize: settings.defaultSize, maxSize: settings.maxSize))
        var pageHeaders: HTTPFields = [
            .contentType: "text/html; charset=utf-8", .cacheControl: "no-cache",
            .contentSecurityPolicy: OperatorPage.contentSecurityPolicy,
        ]
        if let referrerPolicy = HTTPField.Name("Referrer-Policy") { pageHeaders[referrerPolicy] = "no-referrer" }
        let headers = pageHeaders
        router.get("/") { _, _ in Response(status: .ok, headers: headers, body: .init(byteBuffer: page)) }
        router.head("/") { _, _ in Response(status: .ok, headers: headers) }
        var uploadHeaders = headers
        uploadHeaders[.contentSecurityPolicy] = UploadPage.contentSecurityPolicy(embedOrigins: settings.embedOrigins)
        let upload = ByteBuffer(string: UploadPage.html(serverName: settings.serverName, embedOrigins: settings.embedOrigins))
        let uploadPageHeaders = uploadHeaders
        router.get("/upload") { _, _ in Response(status: .ok, headers: uploadPageHeaders, body: .init(byteBuffer: upload)) }
        router.head("/upload") { _, _ in Response(status: .ok, headers: uploadPageHeaders) }
        for (name, type) in [("site.css", "text/css; charset=utf-8"), ("upload.js", "text/javascript; charset=utf-8")] {
            let bytes = ModuleResources.bytes("ui/\(name)")
            router.get("/ui/\(name)") { _, _ in
                guard let bytes else { throw AvatarError.internalFailure(reason: "ui/\(name) is missing beside the binary") }
                return Response(
                    status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"], body: .init(byteBuffer: bytes))
            }
        }
    }

    /// `{"maxUploadBytes", "maxPixels", "types"}`.
    static func limitsJSON(_ settings: HTTPSettings) -> [UInt8] {
        struct Limits: Encodable {
            let maxUploadBytes: Int
            let maxPixels: Int
            let types: [String]
        }
        let limits = Limits(maxUploadBytes: settings.maxUploadBytes, maxPixels: settings.maxPixels, types: uploadTypes)
        return (try? Array(JSONEncoder().encode(limits))) ?? Array("{}".utf8)
    }
}
