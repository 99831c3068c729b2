import AvatarCore
import Glibc
import Testing

@Suite struct NicedTaskExecutorTests {
    /// The calling thread's nice value (on Linux, PRIO_PROCESS with 0 names the calling thread).
    static func niceness() -> Int32 {
        errno = 0
        return getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
    }

    @Test func tasksPreferringItRunOnItsThreadsAtItsNiceValue() async throws {
        let executor = NicedTaskExecutor(threads: 2, niceness: 7)
        let outside = Self.niceness()
        let inside = await withTaskExecutorPreference(executor) {
            await withTaskGroup(of: (Int32, String).self) { group in
                for _ in 0..<8 { group.addTask { (Self.niceness(), BlockingWorkPoolTests.threadName()) } }
                return await group.reduce(into: [(Int32, String)]()) { $0.append($1) }
            }
        }
        #expect(inside.map(\.0) == [Int32](repeating: 7, count: 8))
        #expect(inside.map(\.1) == [String](repeating: "avatars-handler", count: 8))
        #expect(Self.niceness() == outside, "the caller's own thread is left as it was")
        try await executor.shutdown()
    }
}
