import AvatarService
import CoreMetrics
import Foundation
import Logging
import RenderPipeline

/// Runs an `Importer` against the stores a configuration names (no server, no render cache),
/// shows its progress on standard error and writes its report.
public enum ImportRun {
    /// How an import ended.
    public struct Summary: Sendable, CustomStringConvertible {
        public let counts: ImportProgress.Counts
        public let seconds: Double
        public let reportPath: String
        public var failed: Int { counts.failed }

        public var description: String {
            let rate = seconds > 0 ? Double(counts.done) / seconds : 0
            return "imported \(counts.imported), skipped \(counts.skipped) (already held the same bytes), failed \(counts.failed) "
                + "of \(counts.total) in \(String(format: "%.1f", seconds)) s (\(String(format: "%.1f", rate)) files/s); "
                + "failures are listed in \(reportPath)"
        }
    }

    /// Seconds between progress lines when standard error is not a terminal.
    static let plainInterval: Duration = .seconds(5)
    static let terminalInterval: Duration = .milliseconds(200)

    public static func run(_ importer: Importer, config: AppConfig, reportPath: String, logger: Logger) async throws
        -> Summary
    {
        // The report is written first: a path that cannot be written stops the import before it starts.
        try writeReport([], to: reportPath)
        let pipeline = try ImagePipeline(settings: config.pipeline, logger: logger)
        let stores = try OriginalStores(config: config, logger: logger)
        let progress = ImportProgress(total: importer.total)
        let failures: [Importer.Failure]
        do {
            failures = try await StoreAccess.withIndex(config, logger: logger, purpose: .write) { index in
                let service = AvatarService(
                    originals: stores.originals, index: index, pipeline: pipeline, cache: nil,
                    metrics: ServiceMetrics(factory: NOOPMetricsHandler.instance), logger: logger)
                return await withTaskGroup(of: [Importer.Failure]?.self) { group in
                    group.addTask { await importer.run(service: service, index: index, progress: progress) }
                    group.addTask {
                        await show(progress)
                        return nil
                    }
                    let failures = await group.next() ?? nil
                    group.cancelAll()
                    return failures ?? []
                }
            }
        } catch {
            try? await pipeline.shutdown()
            try? await stores.close()
            throw error
        }
        try await pipeline.shutdown()
        try await stores.close()
        let terminal = isatty(STDERR_FILENO) == 1
        FileHandle.standardError.write(Data((ImportProgress.line(progress.now, seconds: progress.elapsed, bar: terminal) + "\n").utf8))
        try writeReport(failures, to: reportPath)
        return Summary(counts: progress.now, seconds: progress.elapsed, reportPath: reportPath)
    }

    static func writeReport(_ failures: [Importer.Failure], to path: String) throws(Importer.UsageError) {
        do {
            try Data(Importer.report(failures).utf8).write(to: URL(fileURLWithPath: path))
        } catch {
            throw Importer.UsageError(description: "the report \(path) cannot be written: \(error.localizedDescription)")
        }
    }

    /// Shows `progress` until cancelled: a bar redrawn in place on a terminal, a line every
    /// few seconds elsewhere.
    static func show(_ progress: ImportProgress) async {
        let terminal = isatty(STDERR_FILENO) == 1
        while !Task.isCancelled {
            try? await Task.sleep(for: terminal ? terminalInterval : plainInterval)
            guard !Task.isCancelled else { return }
            let line = ImportProgress.line(progress.now, seconds: progress.elapsed, bar: terminal)
            FileHandle.standardError.write(Data((terminal ? "\r\u{1B}[2K" + line : line + "\n").utf8))
        }
    }
}
