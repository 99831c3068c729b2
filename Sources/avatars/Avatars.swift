import ArgumentParser
import AvatarApp
import AvatarAuth
import AvatarCore
import Foundation
import Logging
import PostgresMetadata

/// The `avatars` command: `serve` (the default), `token` and `migrate`.
@main
struct Avatars: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "avatars",
        abstract: "An avatar service and CDN origin.",
        subcommands: [Serve.self, Token.self, Migrate.self],
        defaultSubcommand: Serve.self
    )
}

/// Options every subcommand shares.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "JSON configuration file; environment variables AVATARS_* override it.")
    var config: String?

    func load() async throws -> AppConfig {
        do {
            return try await AppConfig.load(file: config ?? "config/avatars.json", required: config != nil)
        } catch let failure as ConfigFailure {
            throw ValidationError(failure.description)
        }
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve avatars over HTTP (the default).")

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let config = try await options.load()
        RenderingProcess.prepare()
        FileLimit.raiseSoftLimit()
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        var logger = Logger(label: "avatars")
        logger.logLevel = Logger.Level(rawValue: config.logLevel) ?? .info
        let app = try await AvatarApplication(config: config, logger: logger)
        try await app.run()
    }
}

struct Token: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print an upload token for one hash.")

    @OptionGroup var options: ConfigOptions

    @Option(help: "The avatar hash (32, 40 or 64 hex characters).")
    var hash: String

    @Option(help: "Seconds the token stays valid.")
    var ttl: Int = 3600

    func run() async throws {
        guard let hash = AvatarHash(hash) else {
            throw ValidationError("--hash must be 32, 40 or 64 hex characters")
        }
        guard ttl > 0 else { throw ValidationError("--ttl must be positive") }
        let config = try await options.load()
        let tokens = try await TokenIssuer.make(config: config)
        print(try await tokens.token(for: hash, ttl: TimeInterval(ttl)))
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply PostgreSQL schema migrations (serve applies them too). Safe to run from many nodes at once.")

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let config = try await options.load()
        guard let postgres = config.postgres else {
            throw ValidationError("metadata.backend is not postgres: there is nothing to migrate")
        }
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        let applied = try await Migrations.apply(url: postgres.url, logger: Logger(label: "avatars"))
        print(applied.isEmpty ? "schema is up to date" : "applied migrations \(applied.map(String.init).joined(separator: ", "))")
    }
}
