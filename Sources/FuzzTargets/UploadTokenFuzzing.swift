import AvatarAuth
import AvatarCore

/// Bytes as an upload token: a forged or malformed token is refused as unauthorized or
/// forbidden, and never authorizes.
enum UploadTokenFuzzing {
    static let hash = AvatarHash("0123456789abcdef0123456789abcdef")!
    static let tokens = Task { await UploadTokens(secret: Array("fuzzing-secret-of-at-least-32-bytes!".utf8)) }

    static func run(_ bytes: [UInt8]) async {
        let token = String(decoding: bytes, as: UTF8.self)
        _ = UploadTokens.headerAlgorithm(of: token)
        do {
            try await tokens.value.authorize(token, for: hash)
            preconditionFailure("a fuzzed token was accepted: \(token)")
        } catch {
            switch error {
            case .unauthorized, .forbidden: return
            default: preconditionFailure("token refused with \(error)")
            }
        }
    }
}
