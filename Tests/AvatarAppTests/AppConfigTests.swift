import AvatarApp
import AvatarTestSupport
import Foundation
import Testing

@Suite struct AppConfigTests {
    func load(_ environment: [String: String], json: String? = nil) async throws -> AppConfig {
        let path = try temporaryDirectory() + "/avatars.json"
        if let json { try json.write(toFile: path, atomically: true, encoding: .utf8) }
        return try await AppConfig.load(file: path, required: json != nil, environment: environment)
    }

    @Test func defaults() async throws {
        let config = try await load([:])
        #expect(config.host == "127.0.0.1" && config.port == 8080)
        #expect(config.storageBackend == .filesystem && config.storagePath == "data/originals")
        #expect(config.metadataBackend == .embedded && config.metadataPath == "data/metadata")
        #expect(config.generatedSecretPath == "data/jwt-secret")
        #expect(config.pipeline.quality == 80 && config.pipeline.avifEffort == 2 && config.pipeline.maxPixels == 50_000_000)
        #expect(config.http.maxSize == 2048 && config.http.defaultSize == 80 && config.http.maxUploadBytes == 10 << 20)
        #expect(config.http.cacheControl.versioned == "public, max-age=31536000, immutable")
        #expect(config.http.connections.headerTimeout == .seconds(10) && config.http.connections.idleTimeout == .seconds(75))
        #expect(config.http.connections.bodyTimeout == .seconds(30) && config.http.answerCacheBytes == 32 << 20)
        #expect(config.http.connections.maxConnections <= 4096)
    }

    @Test func environmentOverridesTheFile() async throws {
        let json = #"{"http": {"port": 9000, "host": "0.0.0.0"}, "images": {"quality": 70}, "auth": {"jwtSecret": "from-file"}}"#
        let config = try await load(["AVATARS_HTTP_PORT": "9100", "AVATARS_AUTH_JWT_SECRET": "from-env"], json: json)
        #expect(config.port == 9100 && config.host == "0.0.0.0")
        #expect(config.pipeline.quality == 70)
        #expect(config.jwtSecret == "from-env")
    }

    @Test(arguments: [
        ("AVATARS_HTTP_PORT", "abc", "http.port"),
        ("AVATARS_HTTP_PORT", "70000", "http.port"),
        ("AVATARS_STORAGE_BACKEND", "ftp", "storage.backend"),
        ("AVATARS_METADATA_BACKEND", "mysql", "metadata.backend"),
        ("AVATARS_IMAGES_QUALITY", "0", "images.quality"),
        ("AVATARS_IMAGES_MAX_UPLOAD_BYTES", "ten", "images.maxUploadBytes"),
        ("AVATARS_HTTP_HEADER_TIMEOUT_SECONDS", "0", "http.headerTimeoutSeconds"),
        ("AVATARS_HTTP_IDLE_TIMEOUT_SECONDS", "-5", "http.idleTimeoutSeconds"),
        ("AVATARS_HTTP_MAX_CONNECTIONS", "0", "http.maxConnections"),
        // More than any process's hard file limit here, less the reserve for the stores.
        ("AVATARS_HTTP_MAX_CONNECTIONS", "2147483647", "http.maxConnections"),
    ])
    func badValuesStopStartUpNamingTheKey(variable: String, value: String, key: String) async throws {
        let error = await #expect(throws: ConfigFailure.self) { try await load([variable: value]) }
        #expect(error?.key == key)
        #expect(error?.description.contains(key) == true)
    }

    @Test func aRequiredFileMustExistAndParse() async throws {
        await #expect(throws: (any Error).self) {
            try await AppConfig.load(file: "/nonexistent/avatars.json", required: true, environment: [:])
        }
        await #expect(throws: (any Error).self) { try await load([:], json: "{not json") }
    }

    @Test func postgresFallsBackToDatabaseURLAndS3ToTheAWSVariables() async throws {
        let config = try await load([
            "AVATARS_METADATA_BACKEND": "postgres", "DATABASE_URL": "postgres://u:p@db:6543/avatars?sslmode=require",
            "AVATARS_STORAGE_BACKEND": "s3", "AVATARS_S3_BUCKET": "b", "AWS_ACCESS_KEY_ID": "AK", "AWS_SECRET_ACCESS_KEY": "SK",
            "AWS_SESSION_TOKEN": "ST", "AWS_REGION": "eu-west-3",
        ])
        #expect(config.postgres?.url.host == "db" && config.postgres?.url.port == 6543)
        #expect(config.postgres?.maxConnections == 16 && config.postgres?.timeout == .seconds(2))
        #expect(config.metadataCacheSeconds == 30)
        let s3 = try #require(config.s3)
        #expect(s3.endpoint == nil && s3.pathStyle == false && s3.region == "eu-west-3")
        #expect(s3.credentials.accessKeyId == "AK" && s3.credentials.secretAccessKey == "SK" && s3.credentials.sessionToken == "ST")
        #expect(s3.timeout == .seconds(10) && s3.maxRetries == 3 && s3.maxConnections == 64)
        #expect(config.generatedSecretPath == nil)
    }

    @Test(arguments: [
        (["AVATARS_METADATA_BACKEND": "postgres"], "postgres.url"),
        (["AVATARS_METADATA_BACKEND": "postgres", "AVATARS_POSTGRES_URL": "mysql://x@y/z"], "postgres.url"),
        (["AVATARS_STORAGE_BACKEND": "s3"], "s3.bucket"),
        (["AVATARS_STORAGE_BACKEND": "s3", "AVATARS_S3_BUCKET": "b"], "s3.accessKeyId"),
        (["AVATARS_STORAGE_BACKEND": "s3", "AVATARS_S3_BUCKET": "b", "AVATARS_S3_ENDPOINT": "ftp://x"], "s3.endpoint"),
        (["AVATARS_STORAGE_BACKEND": "s3", "AVATARS_S3_BUCKET": "b", "AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "s",
          "AVATARS_S3_PATH_STYLE": "maybe"], "s3.pathStyle"),
    ])
    func incompleteBackendsStopStartUpNamingTheKey(environment: [String: String], key: String) async throws {
        let error = await #expect(throws: ConfigFailure.self) { try await load(environment) }
        #expect(error?.key == key)
    }
}
