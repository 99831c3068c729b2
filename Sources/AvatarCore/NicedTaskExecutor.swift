import CProcess
import NIOPosix

/// A task executor on threads of their own, run at a nice value above the event loops'.
///
/// The request handlers run here: under a flood of requests that need the router (misses
/// of unknown hashes, refused with `503`), the event loops keep the CPU they need to answer
/// hits from memory, and the handlers still take all the CPU the loops leave. Handlers never
/// block (blocking work has pools of its own), so one thread per core is enough. Its queue
/// holds the runnable jobs of the connections' tasks, a few per connection, so
/// `http.maxConnections` bounds it.
public final class NicedTaskExecutor: TaskExecutor {
    private let pool: NIOThreadPool
    private let niceness: Int32

    public init(threads: Int, niceness: Int32) {
        pool = NIOThreadPool(numberOfThreads: max(1, threads))
        self.niceness = niceness
        pool.start()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        let niceness = niceness
        pool.submit { state in
            // A pool shutting down hands its jobs back on a thread of someone else's (the
            // enqueuing one, or Dispatch's): they go to Swift's shared pool, not niced.
            guard case .active = state else {
                globalConcurrentExecutor.enqueue(ExecutorJob(job))
                return
            }
            _ = avatars_name_thread_once("avatars-handler")
            if niceness > 0 { _ = avatars_set_thread_niceness_once(niceness) }
            job.runSynchronously(on: executor)
        }
    }

    /// Stops the threads once queued jobs have run (on them, or after the stop on Swift's
    /// shared pool).
    public func shutdown() async throws {
        try await pool.shutdownGracefully()
    }
}
