import AvatarCore
import AvatarHTTP
import AvatarService
import DefaultAvatars
import Hummingbird
import HummingbirdCore

/// Request targets as both answer paths read them: Hummingbird's URI, the route match, then
/// the one typed parse; and an upload's `crop` from the same query.
enum RequestTargetFuzzing {
    static let settings = HTTPSettings()

    static func run(_ bytes: [UInt8]) {
        let target = String(decoding: bytes, as: UTF8.self)
        let uri = URI(target.hasPrefix("/") ? target : "/" + target)
        if let text = uri.queryParameters.get("crop") { checkCrop(text) }
        guard let (_, name) = AnswerRoute.match(uri.path),
            let request = try? RenderRequest(name: name, query: uri.queryParameters, accept: [], settings: settings)
        else { return }
        precondition((1...settings.maxSize).contains(request.size), "size \(request.size) out of range")
        precondition(request.hash.value == request.hash.value.lowercased(), "hash kept in upper case")
        if case .generated(let kind) = request.defaultImage {
            GeneratedDefaultFuzzing.checkWellFormed(DefaultArt.svg(kind, hash: request.hash.value, size: request.size))
        }
    }

    /// A box that parses has sides above zero, and its square, when it has one, lies inside the image.
    static func checkCrop(_ text: String) {
        guard case .box(let box) = CropChoice(parsing: text) else { return }
        precondition(box.width > 0 && box.height > 0 && box.x >= 0 && box.y >= 0, "box \(box) out of range")
        for (width, height) in [(1, 1), (640, 480), (CropChoice.largestCoordinate, 3)] {
            if let square = box.square(inWidth: width, height: height) {
                precondition(square.fits(width: width, height: height), "square \(square) outside \(width)x\(height)")
            }
        }
    }
}
