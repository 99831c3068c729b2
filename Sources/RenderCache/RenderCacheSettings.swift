/// Where the render cache lives and how big it may grow (`cache.*`).
public struct RenderCacheSettings: Sendable, Equatable {
    /// The LMDB environment's directory.
    public var path: String
    /// Hard cap on the data file: LMDB's map size.
    public var maxBytes: Int
    /// Eviction starts when live data passes this share of `maxBytes`: LMDB needs free
    /// pages even to delete, so waiting for `MDB_MAP_FULL` would be too late.
    public var evictAbove = 0.85
    /// ... and removes the oldest entries until live data is under this share.
    public var evictTo = 0.70
    /// Renders read from LMDB are also kept in memory up to this many bytes
    /// (`RecentRenders`); 0 keeps none.
    public var memoryBytes: Int

    /// Threads that read the cache file, off the event loops and Swift's shared pool.
    public var readerThreads = 2
    /// Their nice value: reads are for request handlers, which yield to the event loops too.
    public var readerNiceness: Int32 = 0

    public init(path: String, maxBytes: Int, memoryBytes: Int = 128 << 20) {
        self.path = path
        self.maxBytes = maxBytes
        self.memoryBytes = memoryBytes
    }

    /// A single render larger than this is served but never cached.
    public var largestEntry: Int { maxBytes / 4 }

    /// Entries read while among the oldest are written again as new (`RenderCache`) for at
    /// most this many bytes ahead of the ordinary writes that pay for them: half of what the
    /// cache holds at its fullest.
    var refreshCreditBytes: Int { Int(Double(maxBytes) * evictAbove / 2) }
    /// Those writes wait only while fewer bytes than this are queued for the writer.
    var refreshQueueBytes: Int { min(largestEntry, 32 << 20) }
}
