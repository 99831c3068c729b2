import AvatarCore
import AvatarHTTP
import AvatarService
import DefaultAvatars
import Hummingbird
import HummingbirdCore

/// Request targets as both routes read them: Hummingbird's URI, then the one typed parse.
enum RequestTargetFuzzing {
    static let settings = HTTPSettings()

    static func run(_ bytes: [UInt8]) {
        let target = String(decoding: bytes, as: UTF8.self)
        let uri = URI(target.hasPrefix("/") ? target : "/" + target)
        let name = uri.path.hasPrefix("/avatar/") ? uri.path.dropFirst("/avatar/".count) : uri.path.dropFirst()
        guard let request = try? RenderRequest(name: name, query: uri.queryParameters, settings: settings) else { return }
        precondition((1...settings.maxSize).contains(request.size), "size \(request.size) out of range")
        precondition(request.hash.value == request.hash.value.lowercased(), "hash kept in upper case")
        if case .generated(let kind) = request.defaultImage {
            GeneratedDefaultFuzzing.checkWellFormed(DefaultArt.svg(kind, hash: request.hash.value, size: request.size))
        }
    }
}
