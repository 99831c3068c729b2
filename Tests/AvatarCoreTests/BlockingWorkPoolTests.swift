import AvatarCore
import Foundation
import Synchronization
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

@Suite struct PreferredThreadsTests {
    @Test(arguments: [1, 2])
    func oneAtATimeWorkStaysOnThePreferredThreads(preferred: Int) async throws {
        let pool = BlockingWorkPool(threads: 8, preferring: preferred, name: "test-preferred")
        var threads: Set<UInt> = []
        for _ in 0..<20 { threads.insert(try await pool.run { UInt(pthread_self()) }) }
        #expect(threads.count <= preferred, "\(threads.count) threads for work given one piece at a time")
        try await pool.shutdown()
    }

    @Test func workBeyondThePreferredThreadsTakesTheOthers() async throws {
        let pool = BlockingWorkPool(threads: 4, preferring: 1, name: "test-preferred")
        let started = StartedCount()
        // Each piece of work waits (up to 10 s) until all four have started: they can only all
        // start on four threads at once.
        let seen = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    try await pool.run {
                        started.value.wrappingAdd(1, ordering: .relaxed)
                        let deadline = ContinuousClock.now + .seconds(10)
                        while started.value.load(ordering: .relaxed) < 4, ContinuousClock.now < deadline { usleep(1000) }
                        return started.value.load(ordering: .relaxed)
                    }
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(seen == [4, 4, 4, 4])
        try await pool.shutdown()
    }
}

/// How many pieces of work have started, shared by them.
private final class StartedCount: Sendable {
    let value = Atomic<Int>(0)
}
