import Foundation

/// Somewhere a change must be told: a cache to purge or a receiver to notify.
public enum PurgeTarget: Sendable, Equatable {
    /// A Varnish with the `xkey` vmod: `PURGE /` with `xkey-purge: <keys>`.
    case varnish(base: URL)
    /// Fastly's purge by surrogate key, on `api` (normally `https://api.fastly.com`).
    case fastly(serviceID: String, token: String, api: URL)
    /// Cloudflare's purge by cache tag, on `api` (normally `https://api.cloudflare.com`).
    case cloudflare(zoneID: String, token: String, api: URL)
    /// A receiver of signed JSON, one `POST` per change.
    case webhook(URL)

    /// Names the target in pending purges: stable across restarts with the same settings.
    public var name: String {
        switch self {
        case .varnish(let base): "varnish \(base.absoluteString)"
        case .fastly(let serviceID, _, _): "fastly \(serviceID)"
        case .cloudflare(let zoneID, _, _): "cloudflare \(zoneID)"
        case .webhook(let url): "webhook \(url.absoluteString)"
        }
    }

    /// The `target` label of the purge metrics.
    public var kind: String {
        switch self {
        case .varnish: "varnish"
        case .fastly: "fastly"
        case .cloudflare: "cloudflare"
        case .webhook: "webhook"
        }
    }

    /// Most keys one request carries: Fastly's documented 256, Cloudflare's 100 operations
    /// per call; Varnish's header stays a few KiB.
    var keysPerRequest: Int {
        switch self {
        case .varnish: 64
        case .fastly: 256
        case .cloudflare: 100
        case .webhook: 1
        }
    }
}
