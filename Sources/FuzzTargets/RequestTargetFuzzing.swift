import AvatarCore
import AvatarHTTP
import AvatarService
import DefaultAvatars
import Hummingbird
import HummingbirdCore

/// Request targets as both answer paths read them: Hummingbird's URI, the route match, then
/// the one typed parse.
enum RequestTargetFuzzing {
    static let settings = HTTPSettings()

    static func run(_ bytes: [UInt8]) {
        let target = String(decoding: bytes, as: UTF8.self)
        let uri = URI(target.hasPrefix("/") ? target : "/" + target)
        guard let (_, name) = AnswerRoute.match(uri.path),
            let request = try? RenderRequest(name: name, query: uri.queryParameters, settings: settings)
        else { return }
        precondition((1...settings.maxSize).contains(request.size), "size \(request.size) out of range")
        precondition(request.hash.value == request.hash.value.lowercased(), "hash kept in upper case")
        if case .generated(let kind) = request.defaultImage {
            GeneratedDefaultFuzzing.checkWellFormed(DefaultArt.svg(kind, hash: request.hash.value, size: request.size))
        }
    }
}
