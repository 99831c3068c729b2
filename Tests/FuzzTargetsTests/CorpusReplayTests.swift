import Foundation
import FuzzTargets
import Testing

/// The committed fuzz corpora and every crash input kept from fuzzing (`FuzzTesting/Corpus/<target>`,
/// `FuzzTesting/Crashes/<target>`) through the fuzzers' own entry points, without instrumentation:
/// a parser that crashes or breaks an invariant on any of them fails the suite.
@Suite struct CorpusReplayTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("FuzzTesting")

    static func inputs(_ folder: String, _ target: FuzzTarget) -> [URL] {
        let directory = root.appendingPathComponent(folder).appendingPathComponent(target.rawValue)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { directory.appendingPathComponent($0) }
    }

    @Test(arguments: FuzzTarget.allCases)
    func everyCorpusAndCrashInputPasses(target: FuzzTarget) async throws {
        let seeds = Self.inputs("Corpus", target)
        #expect(seeds.count >= 5, "the \(target.rawValue) corpus has \(seeds.count) seeds")
        for input in seeds + Self.inputs("Crashes", target) {
            await target.run(Array(try Data(contentsOf: input)))
        }
    }
}
