import AvatarCore
import Foundation
import Testing

@Suite struct BlockingWorkPoolTests {
    /// The calling thread's name, as `top -H` and profilers show it.
    static func threadName() -> String {
        ((try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? "")
            .trimmingCharacters(in: .newlines)
    }

    @Test func workRunsOnThreadsNamedForThePoolAtItsNiceValue() async throws {
        let pool = BlockingWorkPool(threads: 2, niceness: 5, name: "a-pool-name-longer-than-15")
        let outside = Self.threadName()
        let seen = try await withThrowingTaskGroup(of: (String, Int32).self) { group in
            for _ in 0..<8 { group.addTask { try await pool.run { (Self.threadName(), NicedTaskExecutorTests.niceness()) } } }
            return try await group.reduce(into: [(String, Int32)]()) { $0.append($1) }
        }
        #expect(seen.map(\.0) == [String](repeating: "a-pool-name-lon", count: 8), "the first 15 bytes are kept")
        #expect(seen.map(\.1) == [Int32](repeating: 5, count: 8))
        #expect(Self.threadName() == outside, "the caller's own thread keeps its name")
        try await pool.shutdown()
    }
}
