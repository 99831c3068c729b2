import ArgumentParser
import AvatarApp
import AvatarAuth
import AvatarCore
import AvatarService
import Foundation
import Logging
import PostgresMetadata

/// The `avatars` command: `serve` (the default), `token`, `hash`, `import`, `migrate`, `check` and `healthcheck`.
@main
struct Avatars: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "avatars",
        abstract: "An avatar service and CDN origin.",
        subcommands: [Serve.self, Token.self, Hash.self, Import.self, Migrate.self, Check.self, Healthcheck.self],
        defaultSubcommand: Serve.self
    )

    /// As ArgumentParser's own, except that a usage error (an unknown option, a bad value,
    /// an invalid configuration) exits with status 2, as `check` documents for every error,
    /// rather than the parser's 64.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(2)
        }
    }
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

    @Option(help: "The kid of the secret to sign with (default: the first of auth.jwtSecrets).")
    var kid: String?

    func run() async throws {
        guard let hash = AvatarHash(hash) else {
            throw ValidationError("--hash must be 32, 40 or 64 hex characters")
        }
        guard ttl > 0 else { throw ValidationError("--ttl must be positive") }
        let config = try await options.load()
        let tokens = try await TokenIssuer.make(config: config)
        print(try await tokens.token(for: hash, ttl: TimeInterval(ttl), kid: kid))
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

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare metadata with the original store: missing originals, orphans, temporaries, unusable caches.",
        discussion: "Exit status: 0 when every record has its original, 1 when one lacks it, 2 on error.")

    @OptionGroup var options: ConfigOptions

    @Flag(help: "Remove orphans, temporaries and unusable cache copies older than --min-age.")
    var repair = false

    @Flag(help: "Print the report as JSON.")
    var json = false

    @Option(name: .customLong("min-age"), help: "Seconds a leftover must be old before --repair removes it.")
    var minAge: Int = 3600

    func run() async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        let report: ConsistencyReport
        do {
            guard minAge >= 0 else { throw ValidationError("--min-age must not be negative") }
            let config = try await options.load()
            report = try await StoreCheck.run(
                config: config, repair: repair, minAge: TimeInterval(minAge), logger: Logger(label: "avatars"))
        } catch {
            FileHandle.standardError.write(Data("avatars check: \(error)\n".utf8))
            throw ExitCode(2)
        }
        print(json ? Self.json(report) : Self.summary(report))
        if !report.isConsistent { throw ExitCode(1) }
    }

    private static func json(_ report: ConsistencyReport) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(report)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    private static func summary(_ report: ConsistencyReport) -> String {
        var lines = [
            "records: \(report.records)", "originals: \(report.originals)",
            "missing originals: \(report.missingOriginals.count)", "orphans: \(report.orphans.count)",
            "temporaries: \(report.temporaries.count)", "unusable cache copies: \(report.unusable.count)",
        ]
        if !report.unrecognised.isEmpty { lines.append("unrecognised names: \(report.unrecognised.count)") }
        lines.append("repaired: \(report.repaired)")
        for missing in report.missingOriginals { lines.append("missing original: \(missing)") }
        lines.append(report.isConsistent ? "consistent" : "INCONSISTENT: records point at missing originals")
        return lines.joined(separator: "\n")
    }
}
