import DefaultAvatars
import HTTPTypes
import RenderPipeline

/// Operator settings of the HTTP API (`images.*` sizes and limits, `cacheControl.*`).
public struct HTTPSettings: Sendable, Equatable {
    /// What unknown hashes get when the request names no default (`images.default`).
    public var defaultImage = DefaultImage.generated(.mysteryPerson)
    public var defaultSize = 80
    public var maxSize = 2048
    public var maxUploadBytes = 10 * 1024 * 1024
    /// Largest width x height of an upload (`images.maxPixels`), told to pages by `/upload/limits`.
    public var maxPixels = PipelineSettings().maxPixels
    /// Whether the pages the origin serves itself, `/` and `/upload`, are served
    /// (`ui.enabled`); off, both are `404`.
    public var uiEnabled = true
    /// Origins (`https://host[:port]`) that may frame the upload page and are told of a saved
    /// avatar by `postMessage` (`ui.embedOrigins`); none: framing is refused, nothing is posted.
    public var embedOrigins: [String] = []
    /// Whether avatar URLs without an extension answer AVIF or WebP when `Accept` names them
    /// (`images.negotiate`). Off by default: a CDN that ignores `Vary` would serve one
    /// client's format to everyone.
    public var negotiate = false
    public var cacheControl = CacheControlPolicy()
    /// While records may lag (`AvatarService.recordsMayLag`), shared caches keep answers about
    /// records at most this many seconds (`metadata.cacheSeconds`, how long the node may
    /// keep a lagging record): a CDN refilled after a purge then holds stale bytes no longer
    /// than the node does. `nil`: no cap.
    public var sharedMaxAgeWhileLagging: Int?
    /// Header fields that name an avatar answer's cache key, its hash (`purge.keyHeaders`):
    /// Fastly's and most CDNs' `Surrogate-Key`, Cloudflare's `Cache-Tag`, Varnish xkey's `xkey`.
    public var cacheKeyHeaders: [HTTPField.Name] = ["Surrogate-Key", "Cache-Tag", "xkey"].compactMap { HTTPField.Name($0) }
    /// What the server calls itself in `Server`.
    public var serverName = "avatars"
    public var connections = ConnectionSettings()
    /// Encoded answers the event loop replays (`http.answerCacheBytes`), at most this many bytes.
    public var answerCacheBytes = 32 << 20
    /// The nice value (0 to 19) of the threads request handlers run on, and of the metadata
    /// and render-cache readers they wait for (`http.handlerNiceness`): above 0, work that
    /// needs the router (misses, refusals, uploads) yields the CPU to the event loops'
    /// answers from memory.
    public var handlerNiceness: Int32 = 10

    public init() {}
}

/// Limits of every HTTP connection (`http.*`).
public struct ConnectionSettings: Sendable, Equatable {
    /// The whole request head must arrive within this of its first byte.
    public var headerTimeout = Duration.seconds(10)
    /// A kept-alive connection with no request in progress closes after this; it must
    /// exceed a front proxy's own idle timeout (a load balancer's is often 60 s).
    public var idleTimeout = Duration.seconds(75)
    /// A request body must keep arriving: at most this between two of its reads.
    public var bodyTimeout = Duration.seconds(30)
    /// Connections open at once; past it new ones are closed at once.
    public var maxConnections = 4096
    /// A longer request target is `414`.
    public var maxTargetBytes = 8 * 1024
    /// A longer request head (request line and header fields) is `431`.
    public var maxHeadBytes = 16 * 1024

    public init() {}
}
