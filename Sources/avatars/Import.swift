import ArgumentParser
import AvatarApp
import AvatarAuth
import AvatarHTTP
import Foundation
import Logging

/// `avatars import SOURCE`: bulk import, with progress, a summary and a failure report.
struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import a directory of <key>.<ext> files, or a CSV manifest key,path[,rating[,crop]].",
        discussion: """
            Keys are hashes (32, 40 or 64 hex characters) or e-mail addresses, hashed with --hash. \
            Files go through the same checks, stores and metadata as uploads; a key already holding \
            the same bytes is skipped (--force imports it again). Exit status: 0 when nothing \
            failed, 1 when something did (see --report), 2 on a usage error.
            """)

    @OptionGroup var options: ConfigOptions

    @Argument(help: "A directory of <key>.<ext> files, or a CSV manifest with a header row.")
    var source: String

    @Option(help: "How e-mail keys are hashed: md5, sha256 or hmac-sha256 (under the site key).")
    var hash: String?

    @Option(help: "The site key file for hmac-sha256 (default: auth.hashKeyFile).")
    var keyFile: String?

    @Option(help: "Files imported at once, 1 to 256 (default: the number of cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Import files whose key already holds the same bytes, to apply a new rating or crop.")
    var force = false

    @Option(help: "Where failures are listed as key,path,reason.")
    var report = "import-report.csv"

    func run() async throws {
        let config = try await options.load()
        var settings = Importer.Options(hash: nil, keyFile: keyFile ?? config.hashKeyFile)
        if let hash {
            guard let method = EmailHash(rawValue: hash) else {
                throw ValidationError("--hash must be md5, sha256 or hmac-sha256")
            }
            settings.hash = method
        }
        settings.jobs = jobs
        settings.force = force
        let importer: Importer
        do {
            importer = try Importer(
                source: source, options: settings, maxUploadBytes: config.http.maxUploadBytes, reportPath: report)
        } catch {
            throw ValidationError(error.description)
        }
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        var logger = Logger(label: "avatars-import")
        logger.logLevel = .warning
        let summary: ImportRun.Summary
        do {
            summary = try await ImportRun.run(importer, config: config, reportPath: report, logger: logger)
        } catch let error as Importer.UsageError {
            throw ValidationError(error.description)
        }
        print(summary.description)
        if summary.failed > 0 { throw ExitCode.failure }
    }
}
