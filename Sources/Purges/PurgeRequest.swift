import AvatarCore
import Crypto
import Foundation

/// One HTTP request to a purge target and the pending purges it settles.
public struct PurgeRequest: Sendable, Equatable {
    public var method: String
    public var url: URL
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]?
    public var purges: [PendingPurge]

    public static func == (lhs: PurgeRequest, rhs: PurgeRequest) -> Bool {
        lhs.method == rhs.method && lhs.url == rhs.url && lhs.body == rhs.body && lhs.purges == rhs.purges
            && lhs.headers.elementsEqual(rhs.headers) { $0.name == $1.name && $0.value == $1.value }
    }
}

extension PurgeTarget {
    /// The requests that tell this target about `purges` (all of them its own): keys
    /// batched up to `keysPerRequest`, a hash changed twice named once; one signed `POST`
    /// per change for a webhook.
    public func requests(for purges: [PendingPurge], webhookSecret: [UInt8]) -> [PurgeRequest] {
        if case .webhook(let url) = self {
            return purges.map { purge in
                let body = WebhookPayload(purge).body
                return PurgeRequest(
                    method: "POST", url: url,
                    headers: [
                        ("Content-Type", "application/json"),
                        ("X-Avatars-Signature", WebhookPayload.signature(of: body, secret: webhookSecret)),
                    ], body: body, purges: [purge])
            }
        }
        return Self.batches(of: purges, upTo: keysPerRequest).map { batch in
            let keys = Self.keys(of: batch)
            return request(keys: keys, purges: batch)
        }
    }

    private func request(keys: [String], purges: [PendingPurge]) -> PurgeRequest {
        switch self {
        case .varnish(let base):
            return PurgeRequest(
                method: "PURGE", url: base.appending(path: "/"), headers: [("xkey-purge", keys.joined(separator: " "))],
                body: nil, purges: purges)
        case .fastly(let serviceID, let token, let api):
            // One key has its own endpoint; several go in one header, space-separated.
            let service = api.appending(path: "service").appending(path: serviceID).appending(path: "purge")
            if keys.count == 1 {
                return PurgeRequest(
                    method: "POST", url: service.appending(path: keys[0]),
                    headers: [("Fastly-Key", token), ("Accept", "application/json")], body: nil, purges: purges)
            }
            return PurgeRequest(
                method: "POST", url: service,
                headers: [("Fastly-Key", token), ("Accept", "application/json"), ("Surrogate-Key", keys.joined(separator: " "))],
                body: nil, purges: purges)
        case .cloudflare(let zoneID, let token, let api):
            let url = api.appending(path: "client/v4/zones").appending(path: zoneID).appending(path: "purge_cache")
            let body = try? JSONEncoder().encode(["tags": keys])
            return PurgeRequest(
                method: "POST", url: url,
                headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")],
                body: body.map { Array($0) }, purges: purges)
        case .webhook(let url):
            return PurgeRequest(method: "POST", url: url, headers: [], body: nil, purges: purges)
        }
    }

    /// `purges` cut so that no batch names more than `limit` distinct hashes.
    static func batches(of purges: [PendingPurge], upTo limit: Int) -> [[PendingPurge]] {
        var batches: [[PendingPurge]] = []
        var current: [PendingPurge] = []
        var hashes: Set<AvatarHash> = []
        for purge in purges {
            if !hashes.contains(purge.hash), hashes.count == limit {
                batches.append(current)
                current = []
                hashes = []
            }
            current.append(purge)
            hashes.insert(purge.hash)
        }
        if !current.isEmpty { batches.append(current) }
        return batches
    }

    /// The cache keys of `purges`, each hash once, in order.
    static func keys(of purges: [PendingPurge]) -> [String] {
        var seen: Set<AvatarHash> = []
        return purges.compactMap { seen.insert($0.hash).inserted ? $0.hash.value : nil }
    }
}
