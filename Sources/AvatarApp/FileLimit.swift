#if canImport(Glibc)
import Glibc
#endif

/// The process's file descriptor limit (`RLIMIT_NOFILE`): every connection holds one.
public enum FileLimit {
    /// Descriptors kept for everything but client connections: stores, cache files,
    /// S3 and PostgreSQL connections, logs.
    static let reserve = 256

    /// The hard limit, which the soft one can be raised to.
    static var hard: Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        return limit.rlim_max == rlim_t.max ? Int(Int32.max) : Int(clamping: limit.rlim_max)
    }

    /// Raises the soft limit to the hard one, so that `http.maxConnections` can be reached.
    public static func raiseSoftLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}
