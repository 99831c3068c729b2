import NIOPosix

/// A dedicated, bounded set of threads for blocking work (libvips, LMDB writes, disk I/O).
///
/// Blocking calls must not run on NIO event loops or on Swift's shared cooperative pool,
/// which has one thread per core and also runs every request handler.
public final class BlockingWorkPool: Sendable {
    private let pool: NIOThreadPool

    public init(threads: Int) {
        self.pool = NIOThreadPool(numberOfThreads: max(1, threads))
        self.pool.start()
    }

    /// Runs `body` on one of the pool's threads and returns its result.
    public func run<T: Sendable>(_ body: @Sendable @escaping () throws -> T) async throws -> T {
        try await pool.runIfActive(body)
    }

    /// Stops the threads once queued work has finished.
    public func shutdown() async throws {
        try await pool.shutdownGracefully()
    }
}
