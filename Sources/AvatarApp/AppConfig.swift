import AvatarHTTP
import Configuration
import Foundation
import SystemPackage
import RenderCache
import RenderPipeline

/// Every setting of a node, read once at start-up and validated as a whole.
public struct AppConfig: Sendable {
    public var host: String
    public var port: Int
    public var storageBackend: String
    public var storagePath: String
    public var metadataBackend: String
    public var metadataPath: String
    public var jwtSecret: String?
    public var jwtSecretFile: String?
    public var cache: RenderCacheSettings
    public var pipeline: PipelineSettings
    public var http: HTTPSettings
    public var logLevel: String

    /// Where the embedded default keeps a generated token secret: `jwt-secret` beside the
    /// originals directory (`data/jwt-secret` by default).
    public var generatedSecretPath: String {
        let parent = (storagePath as NSString).deletingLastPathComponent
        return parent.isEmpty ? "jwt-secret" : "\(parent)/jwt-secret"
    }

    public init(reader: ConfigReader) throws(ConfigFailure) {
        let values = ConfigValues(reader: reader)
        host = try values.string("http.host", default: "127.0.0.1")
        port = try values.int("http.port", default: 8080, in: 0...65535)
        storageBackend = try values.choice("storage.backend", default: "filesystem", from: ["filesystem"])
        storagePath = try values.string("storage.path", default: "data/originals")
        metadataBackend = try values.choice("metadata.backend", default: "embedded", from: ["embedded"])
        metadataPath = try values.string("metadata.path", default: "data/metadata")
        cache = RenderCacheSettings(
            path: try values.string("cache.path", default: "data/cache"),
            maxBytes: try values.int("cache.maxBytes", default: 1 << 30, in: (1 << 20)...(1 << 42)))
        jwtSecret = try values.optionalString("auth.jwtSecret")
        jwtSecretFile = try values.optionalString("auth.jwtSecretFile")
        logLevel = try values.choice(
            "log.level", default: "info", from: ["trace", "debug", "info", "notice", "warning", "error", "critical"])

        pipeline = PipelineSettings()
        pipeline.quality = try values.int("images.quality", default: 80, in: 1...100)
        pipeline.avifEffort = try values.int("images.avifEffort", default: 2, in: 0...9)
        pipeline.maxPixels = try values.int("images.maxPixels", default: 50_000_000, in: 1...Int(Int32.max))
        pipeline.renderConcurrency = try values.int(
            "images.renderConcurrency", default: ProcessInfo.processInfo.activeProcessorCount, in: 1...256)

        http = HTTPSettings()
        http.maxSize = try values.int("images.maxSize", default: 2048, in: 1...8192)
        http.defaultSize = try values.int("images.defaultSize", default: 80, in: 1...http.maxSize)
        http.maxUploadBytes = try values.int("images.maxUploadBytes", default: 10 * 1024 * 1024, in: 1...(1 << 31))
        http.cacheControl.versioned = try values.string("cacheControl.versioned", default: http.cacheControl.versioned)
        http.cacheControl.unversioned = try values.string(
            "cacheControl.unversioned", default: http.cacheControl.unversioned)
        http.cacheControl.missing = try values.string("cacheControl.missing", default: http.cacheControl.missing)
    }

    /// Reads the JSON file at `path` under environment variables named `AVATARS_` + the key
    /// in upper snake case. A missing file is fine only when `required` is false.
    public static func load(
        file path: String, required: Bool, environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws -> AppConfig {
        let secrets = SecretsSpecifier<String, String>.dynamic { key, _ in key.uppercased().contains("SECRET") }
        let env = EnvironmentVariablesProvider(environmentVariables: environment, secretsSpecifier: secrets)
            .prefixKeys(with: "avatars")
        let file = try await FileProvider<JSONSnapshot>(filePath: FilePath(path), allowMissing: !required)
        return try AppConfig(reader: ConfigReader(providers: [env, file]))
    }
}
