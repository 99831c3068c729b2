import RenderCache
import RenderPipeline

/// A master in this node's render cache, lent to a render where it lies: a pending write,
/// or the cache file's map inside a read transaction on the render thread.
struct CachedMaster: MasterLender {
    let cache: RenderCache
    let key: RenderCacheKey

    func lend<T>(_ use: (UnsafeRawBufferPointer) -> T?) -> T? {
        cache.readHere(key, use)
    }
}
