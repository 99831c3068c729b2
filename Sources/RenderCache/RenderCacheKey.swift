import AvatarCore

/// Names one entry of a node's cache: a render (the avatar's hash, its original's version
/// and the render parameters with the pipeline version, so a new upload or a pipeline
/// change can never be answered with an old render), a local copy of an original, or an
/// original's master.
public struct RenderCacheKey: Hashable, Sendable, CustomStringConvertible {
    enum Kind: String, Sendable, CaseIterable {
        case render = "r"
        case original = "o"
        case master = "m"

        var name: String {
            switch self {
            case .render: "render"
            case .original: "original"
            case .master: "master"
            }
        }
    }

    let kind: Kind
    public let hash: AvatarHash
    public let version: String
    /// `RenderParameters.fingerprint`: size, format, encoder settings, pipeline version.
    public let parameters: String

    public init(hash: AvatarHash, version: String, parameters: String) {
        self.init(kind: .render, hash: hash, version: version, parameters: parameters)
    }

    private init(kind: Kind, hash: AvatarHash, version: String, parameters: String) {
        self.kind = kind
        self.hash = hash
        self.version = version
        self.parameters = parameters
    }

    /// The local copy of the original `hash`/`version`, kept when originals live remotely.
    public static func original(hash: AvatarHash, version: String) -> RenderCacheKey {
        RenderCacheKey(kind: .original, hash: hash, version: version, parameters: "")
    }

    /// The master (`MasterImage`) of the original `hash`/`version` made by `pipeline`
    /// (`RenderParameters.masterFingerprint`).
    public static func master(hash: AvatarHash, version: String, pipeline: String) -> RenderCacheKey {
        RenderCacheKey(kind: .master, hash: hash, version: version, parameters: pipeline)
    }

    /// The LMDB key.
    var bytes: [UInt8] { Array("\(kind.rawValue)/\(hash)/\(version)/\(parameters)".utf8) }

    public var description: String { "\(kind.rawValue)/\(hash)/\(version)/\(parameters)" }
}
