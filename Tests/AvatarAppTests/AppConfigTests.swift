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
        #expect(config.storageBackend == "filesystem" && config.storagePath == "data/originals")
        #expect(config.metadataBackend == "embedded" && config.metadataPath == "data/metadata")
        #expect(config.generatedSecretPath == "data/jwt-secret")
        #expect(config.pipeline.quality == 80 && config.pipeline.avifEffort == 2 && config.pipeline.maxPixels == 50_000_000)
        #expect(config.http.maxSize == 2048 && config.http.defaultSize == 80 && config.http.maxUploadBytes == 10 << 20)
        #expect(config.http.cacheControl.versioned == "public, max-age=31536000, immutable")
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
}
