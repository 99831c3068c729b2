import CProcess
import NIOPosix
import Synchronization

/// A dedicated, bounded set of threads for blocking work (libvips, LMDB writes, disk I/O).
///
/// Blocking calls must not run on NIO event loops, on the request handlers' threads
/// (`NicedTaskExecutor`) or on Swift's shared cooperative pool: each has about one thread
/// per core, and a blocked one stops everything queued behind it. With `maxWaiting`
/// the queue in front of the threads is bounded too: past it, work is refused at once
/// rather than queued behind work nobody may be waiting for any more.
///
/// With `preferring` below `threads`, that many threads take work whenever one of them is
/// free, and the others only while those are all busy: a light load stays on threads whose
/// caches are warm, since NIO's pool hands work to its longest-idle thread and would spread
/// even one piece of work at a time over all of them.
public final class BlockingWorkPool: Sendable {
    /// The preferred threads (all of them, unless `preferring` is below `threads`).
    private let pool: NIOThreadPool
    /// The other threads, taken only while the preferred ones are all busy.
    private let overflow: NIOThreadPool?
    private let preferred: Int
    private let overflowThreads: Int
    /// Work handed to `pool` and to `overflow` that has not come back: queued or running.
    private let inPool = Atomic<Int>(0)
    private let inOverflow = Atomic<Int>(0)
    private let maxWaiting: Int?
    private let niceness: Int32
    private let name: String
    private let waiting = Atomic<Int>(0)

    /// Thrown by `run` when `maxWaiting` pieces of work are already waiting for a thread.
    public struct Full: Error, Sendable {}

    /// `niceness` above 0 runs the work at a lower CPU priority than the event loops (Linux
    /// `nice`, per thread): work that can wait (renders) then never starves answers that
    /// cannot (hits from memory), and still takes all the CPU they leave. `name` names the
    /// threads (at most 15 bytes are kept), for `top -H` and profilers.
    public init(threads: Int, preferring: Int? = nil, maxWaiting: Int? = nil, niceness: Int32 = 0, name: String) {
        let threads = max(1, threads)
        preferred = min(threads, max(1, preferring ?? threads))
        overflowThreads = threads - preferred
        pool = NIOThreadPool(numberOfThreads: preferred)
        overflow = overflowThreads > 0 ? NIOThreadPool(numberOfThreads: overflowThreads) : nil
        self.maxWaiting = maxWaiting
        self.niceness = niceness
        self.name = name
        pool.start()
        overflow?.start()
    }

    /// Runs `body` on one of the pool's threads and returns its result. Throws `Full` when
    /// the queue is at its bound, and `CancellationError` without running `body` when the
    /// calling task was cancelled before a thread took it.
    public func run<T: Sendable>(_ body: @Sendable @escaping () throws -> T) async throws -> T {
        try await run(startingWithin: nil, body)
    }

    /// As `run(_:)`, and when no thread took the work within `limit` of this call, it never
    /// starts: `DeadlinePassed` is thrown instead. A deadline for work that is quick once it
    /// runs, at the cost of one clock read rather than a timer.
    public func run<T: Sendable>(
        startingWithin limit: Duration?, _ body: @Sendable @escaping () throws -> T
    ) async throws -> T {
        let deadline = limit.map { ContinuousClock.now + $0 }
        if let maxWaiting {
            let admitted = waiting.wrappingAdd(1, ordering: .relaxed).newValue <= maxWaiting
            guard admitted else {
                waiting.wrappingSubtract(1, ordering: .relaxed)
                throw Full()
            }
        } else {
            waiting.wrappingAdd(1, ordering: .relaxed)
        }
        // Whoever comes first, a thread taking the work or the caller's cancellation, takes
        // it out of the count of waiting work: work nobody waits for holds no place in the bound.
        let settled = OnceFlag()
        let spills = place()
        defer {
            if spills { inOverflow.wrappingSubtract(1, ordering: .relaxed) } else { inPool.wrappingSubtract(1, ordering: .relaxed) }
        }
        let threads = (spills ? overflow : nil) ?? pool
        return try await withTaskCancellationHandler {
            try await threads.runIfActive {
                guard settled.claim() else { throw CancellationError() }
                self.waiting.wrappingSubtract(1, ordering: .relaxed)
                if let deadline, let limit, ContinuousClock.now > deadline { throw DeadlinePassed(limit: limit) }
                _ = self.name.withCString(avatars_name_thread_once)
                if self.niceness > 0 { Self.lowerThisThread(to: self.niceness) }
                return try body()
            }
        } onCancel: {
            if settled.claim() { self.waiting.wrappingSubtract(1, ordering: .relaxed) }
        }
    }

    /// Counts the next work into one of the two sets and says whether it is the overflow:
    /// the preferred threads while one of them is free, else the set where it would wait
    /// behind less. Counted before deciding, so callers arriving together see each other's
    /// work and do not all queue on the preferred threads while overflow threads idle.
    private func place() -> Bool {
        let pooled = inPool.wrappingAdd(1, ordering: .relaxed).newValue
        guard overflow != nil, pooled > preferred else { return false }
        let overflowed = inOverflow.wrappingAdd(1, ordering: .relaxed).newValue
        if overflowed - overflowThreads < pooled - preferred {
            inPool.wrappingSubtract(1, ordering: .relaxed)
            return true
        }
        inOverflow.wrappingSubtract(1, ordering: .relaxed)
        return false
    }

    /// Sets the calling thread's nice value (a syscall of about a microsecond: cheaper than
    /// remembering per thread whether it was done).
    private static func lowerThisThread(to niceness: Int32) {
        _ = avatars_set_thread_niceness(niceness)
    }

    /// Stops the threads: work that is running finishes, work still queued is cancelled (its
    /// caller gets `CancellationError`). Both sets stop together, so work placed in either
    /// meanwhile meets the same end.
    public func shutdown() async throws {
        async let overflowStopped: Void = overflow?.shutdownGracefully() ?? ()
        try await pool.shutdownGracefully()
        try await overflowStopped
    }
}
