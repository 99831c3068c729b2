import AvatarCore
import AvatarAuth
import AvatarHTTP
import Configuration
import DefaultAvatars
import Foundation
import SystemPackage
import RenderCache
import RenderPipeline
import PostgresMetadata
import Purges
import S3

/// Where a node keeps originals (`storage.backend`).
public enum StorageBackend: String, Sendable, CaseIterable {
    case filesystem
    case s3
}

/// Where a node keeps records (`metadata.backend`).
public enum MetadataBackend: String, Sendable, CaseIterable {
    case embedded
    case postgres
}

/// Every setting of a node, read once at start-up and validated as a whole.
public struct AppConfig: Sendable {
    public var host: String
    public var port: Int
    public var storageBackend: StorageBackend
    public var storagePath: String
    /// Set when `storage.backend` is `s3`.
    public var s3: S3Settings?
    public var metadataBackend: MetadataBackend
    public var metadataPath: String
    /// Set when `metadata.backend` is `postgres`.
    public var postgres: PostgresSettings?
    /// How long a node trusts its cached copy of a record (`metadata.cacheSeconds`).
    public var metadataCacheSeconds: Int
    /// `auth.jwtSecrets`: `<kid>:<secret>` or `<kid>:@<path>` entries, the first signing.
    public var jwtSecrets: [String] = []
    public var jwtSecret: String?
    public var jwtSecretFile: String?
    /// The site key file `avatars hash` and `import --hash hmac-sha256` hash addresses under
    /// (`auth.hashKeyFile`); the server itself never reads it.
    public var hashKeyFile: String
    /// Clock skew allowed on upload tokens' `exp` and `nbf` (`auth.leewaySeconds`).
    public var authLeewaySeconds = UploadTokens.defaultLeewaySeconds
    public var cache: RenderCacheSettings
    public var pipeline: PipelineSettings
    public var http: HTTPSettings
    public var purge = PurgeSettings()
    public var logLevel: String

    /// The keys upload tokens are signed and checked with, from whichever form is configured.
    public func tokenKeys() throws -> JWTSecret.Keys {
        try JWTSecret.keys(
            entries: jwtSecrets, secret: jwtSecret, secretFile: jwtSecretFile, generatedPath: generatedSecretPath)
    }

    /// Where the embedded default keeps a generated token secret: `jwt-secret` beside the
    /// originals directory (`data/jwt-secret` by default). Nodes sharing a bucket must share
    /// a configured secret, so with S3 there is none.
    public var generatedSecretPath: String? {
        guard storageBackend == .filesystem, metadataBackend == .embedded else { return nil }
        let parent = (storagePath as NSString).deletingLastPathComponent
        return parent.isEmpty ? "jwt-secret" : "\(parent)/jwt-secret"
    }

    /// - Parameter environment: where the standard `AWS_*` variables are looked up when the
    ///   `s3.*` credentials and region are not configured.
    public init(reader: ConfigReader, environment: [String: String] = [:]) throws(ConfigFailure) {
        let values = ConfigValues(reader: reader)
        host = try values.string("http.host", default: "127.0.0.1")
        port = try values.int("http.port", default: 8080, in: 0...65535)
        storageBackend = try values.choice("storage.backend", default: StorageBackend.filesystem)
        storagePath = try values.string("storage.path", default: "data/originals")
        s3 = storageBackend == .s3 ? try Self.s3Settings(values, environment: environment) : nil
        metadataBackend = try values.choice("metadata.backend", default: MetadataBackend.embedded)
        metadataPath = try values.string("metadata.path", default: "data/metadata")
        metadataCacheSeconds = try values.int("metadata.cacheSeconds", default: 30, in: 0...86_400)
        postgres = metadataBackend == .postgres ? try Self.postgresSettings(values, environment: environment) : nil
        cache = RenderCacheSettings(path: try values.string("cache.path", default: "data/cache"), maxBytes: 1 << 30)
        cache.maxBytes = try values.int("cache.maxBytes", default: cache.maxBytes, in: (1 << 20)...(1 << 42))
        cache.memoryBytes = try values.int("cache.memoryBytes", default: cache.memoryBytes, in: 0...(1 << 40))
        jwtSecrets = try values.strings("auth.jwtSecrets")
        jwtSecret = try values.optionalString("auth.jwtSecret")
        jwtSecretFile = try values.optionalString("auth.jwtSecretFile")
        hashKeyFile = try values.string("auth.hashKeyFile", default: "data/hash-key")
        authLeewaySeconds = try values.int("auth.leewaySeconds", default: authLeewaySeconds, in: 0...3600)
        logLevel = try values.choice(
            "log.level", default: "info", from: ["trace", "debug", "info", "notice", "warning", "error", "critical"])

        pipeline = PipelineSettings()
        pipeline.quality = try values.int("images.quality", default: pipeline.quality, in: 1...100)
        pipeline.avifEffort = try values.int("images.avifEffort", default: pipeline.avifEffort, in: 0...9)
        pipeline.maxPixels = try values.int("images.maxPixels", default: pipeline.maxPixels, in: 1...Int(Int32.max))
        pipeline.renderConcurrency = try values.int(
            "images.renderConcurrency", default: pipeline.renderConcurrency, in: 1...256)
        pipeline.smallRenderConcurrency = try values.int(
            "images.smallRenderConcurrency", default: pipeline.smallRenderConcurrency, in: 1...256)
        pipeline.maxPendingRenders = try values.int(
            "images.maxPendingRenders", default: pipeline.maxPendingRenders, in: 1...1_000_000)
        pipeline.renderNiceness = Int32(
            try values.int("images.renderNiceness", default: Int(pipeline.renderNiceness), in: 0...19))
        pipeline.maxFrames = try values.int("images.maxFrames", default: pipeline.maxFrames, in: 1...100_000)
        let defaultCrop = try values.choice(
            "images.defaultCrop", default: pipeline.defaultCrop == .centre ? "centre" : "auto", from: ["auto", "centre", "center"])
        pipeline.defaultCrop = defaultCrop == "auto" ? .auto : .centre
        if let cascade = try values.optionalString("images.faceCascade") {
            // An empty value turns face detection off: `auto` then uses attention alone.
            pipeline.faceCascade = cascade.isEmpty ? nil : cascade
        }
        pipeline.maxAnimationPixels = try values.int(
            "images.maxAnimationPixels", default: pipeline.maxAnimationPixels, in: 1...Int(Int32.max))
        pipeline.maxAnimatedSize = try values.int(
            "images.maxAnimatedSize", default: pipeline.maxAnimatedSize, in: 1...RenderParameters.masterSize)
        pipeline.renderTimeoutSeconds = Double(
            try values.int("images.renderTimeoutSeconds", default: Int(pipeline.renderTimeoutSeconds), in: 1...3600))

        http = HTTPSettings()
        http.handlerNiceness = Int32(
            try values.int("http.handlerNiceness", default: Int(http.handlerNiceness), in: 0...19))
        http.maxSize = try values.int("images.maxSize", default: http.maxSize, in: 1...8192)
        http.negotiate = try values.bool("images.negotiate") ?? http.negotiate
        http.defaultSize = try values.int("images.defaultSize", default: http.defaultSize, in: 1...http.maxSize)
        http.maxUploadBytes = try values.int("images.maxUploadBytes", default: http.maxUploadBytes, in: 1...(1 << 31))
        http.maxPixels = pipeline.maxPixels
        http.uiEnabled = try values.bool("ui.enabled") ?? http.uiEnabled
        http.embedOrigins = try values.strings("ui.embedOrigins").map { (origin) throws(ConfigFailure) in
            guard let valid = EmbedOrigin.validated(origin) else {
                throw ConfigFailure(key: "ui.embedOrigins", reason: "\"\(origin)\" is not an origin such as https://app.example.com")
            }
            return valid
        }
        if let defaultImage = try values.optionalString("images.default") {
            do throws(InvalidDefault) {
                guard let parsed = try DefaultImage.parse(defaultImage, initials: nil, name: nil) else {
                    throw InvalidDefault(reason: "\"\(defaultImage)\" is not a default keyword or URL")
                }
                http.defaultImage = parsed
            } catch {
                throw ConfigFailure(key: "images.default", reason: error.reason)
            }
        }
        http.cacheControl.versioned = try values.string("cacheControl.versioned", default: http.cacheControl.versioned)
        http.cacheControl.unversioned = try values.string(
            "cacheControl.unversioned", default: http.cacheControl.unversioned)
        http.cacheControl.missing = try values.string("cacheControl.missing", default: http.cacheControl.missing)
        http.sharedMaxAgeWhileLagging = metadataCacheSeconds
        try readConnections(values)
        try readPurges(values)
    }

    /// `http.*` connection limits. `http.maxConnections` must leave file descriptors for
    /// the stores: at most the hard `RLIMIT_NOFILE` less `FileLimit.reserve`.
    private mutating func readConnections(_ values: ConfigValues) throws(ConfigFailure) {
        func seconds(_ key: String, _ current: Duration) throws(ConfigFailure) -> Duration {
            .seconds(try values.int(key, default: Int(current.components.seconds), in: 1...86_400))
        }
        var connections = http.connections
        connections.headerTimeout = try seconds("http.headerTimeoutSeconds", connections.headerTimeout)
        connections.idleTimeout = try seconds("http.idleTimeoutSeconds", connections.idleTimeout)
        connections.bodyTimeout = try seconds("http.bodyTimeoutSeconds", connections.bodyTimeout)
        let available = max(1, FileLimit.hard - FileLimit.reserve)
        connections.maxConnections = try values.int(
            "http.maxConnections", default: min(connections.maxConnections, available), in: 1...Int(Int32.max))
        guard connections.maxConnections <= available else {
            throw ConfigFailure(
                key: "http.maxConnections",
                reason: "\(connections.maxConnections) is more than the file limit (\(FileLimit.hard)) less \(FileLimit.reserve) for the stores")
        }
        http.connections = connections
        http.answerCacheBytes = try values.int("http.answerCacheBytes", default: http.answerCacheBytes, in: 0...(1 << 40))
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
        return try AppConfig(reader: ConfigReader(providers: [env, file]), environment: environment)
    }

    private static func postgresSettings(_ values: ConfigValues, environment: [String: String]) throws(ConfigFailure)
        -> PostgresSettings
    {
        let configured = try values.optionalString("postgres.url")
        guard let text = (configured?.isEmpty == false ? configured : nil) ?? environment["DATABASE_URL"] else {
            throw ConfigFailure(key: "postgres.url", reason: "a URL is required when metadata.backend is postgres (or DATABASE_URL)")
        }
        let url: PostgresURL
        do {
            url = try PostgresURL(text)
        } catch {
            throw ConfigFailure(key: "postgres.url", reason: error.reason)
        }
        return PostgresSettings(
            url: url, maxConnections: try values.int("postgres.maxConnections", default: 16, in: 2...1000),
            timeout: .seconds(try values.int("postgres.timeoutSeconds", default: 2, in: 1...600)))
    }

    private static func s3Settings(_ values: ConfigValues, environment: [String: String]) throws(ConfigFailure)
        -> S3Settings
    {
        func setting(_ key: String, orEnvironment name: String) throws(ConfigFailure) -> String? {
            let configured = try values.optionalString(key)
            return (configured?.isEmpty == false ? configured : nil) ?? environment[name].flatMap { $0.isEmpty ? nil : $0 }
        }
        var endpoint: URL?
        if let text = try values.optionalString("s3.endpoint"), !text.isEmpty {
            guard let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil
            else { throw ConfigFailure(key: "s3.endpoint", reason: "\"\(text)\" is not an http or https URL") }
            endpoint = url
        }
        guard let bucket = try values.optionalString("s3.bucket"), !bucket.isEmpty else {
            throw ConfigFailure(key: "s3.bucket", reason: "a bucket is required when storage.backend is s3")
        }
        guard let accessKeyId = try setting("s3.accessKeyId", orEnvironment: "AWS_ACCESS_KEY_ID"),
            let secretAccessKey = try setting("s3.secretAccessKey", orEnvironment: "AWS_SECRET_ACCESS_KEY")
        else {
            throw ConfigFailure(
                key: "s3.accessKeyId",
                reason: "credentials are required (s3.accessKeyId and s3.secretAccessKey, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)")
        }
        var settings = S3Settings(
            endpoint: endpoint, bucket: bucket,
            credentials: S3Credentials(
                accessKeyId: accessKeyId, secretAccessKey: secretAccessKey,
                sessionToken: try setting("s3.sessionToken", orEnvironment: "AWS_SESSION_TOKEN")),
            pathStyle: try values.bool("s3.pathStyle"))
        settings.region = try setting("s3.region", orEnvironment: "AWS_REGION") ?? "us-east-1"
        settings.prefix = try values.string("s3.prefix", default: "")
        settings.timeout = .seconds(try values.int("s3.timeoutSeconds", default: 10, in: 1...600))
        settings.maxRetries = try values.int("s3.maxRetries", default: 3, in: 0...20)
        settings.maxConnections = try values.int("s3.maxConnections", default: 64, in: 1...4096)
        return settings
    }
}
