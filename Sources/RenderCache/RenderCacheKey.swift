/// Names one render in the cache: the avatar's hash, its original's version and the
/// render parameters with the pipeline version, so a new upload or a pipeline change can
/// never be answered with an old render.
public struct RenderCacheKey: Hashable, Sendable, CustomStringConvertible {
    public let hash: String
    public let version: String
    /// `RenderParameters.fingerprint`: size, format, encoder settings, pipeline version.
    public let parameters: String

    public init(hash: String, version: String, parameters: String) {
        self.hash = hash
        self.version = version
        self.parameters = parameters
    }

    /// The LMDB key; the `r/` prefix leaves room for other kinds of entry.
    var bytes: [UInt8] { Array("r/\(hash)/\(version)/\(parameters)".utf8) }

    public var description: String { "\(hash)/\(version)/\(parameters)" }
}
