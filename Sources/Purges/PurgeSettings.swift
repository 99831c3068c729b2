import Foundation

/// Operator settings of purges (`purge.*`; the answers' key headers are `HTTPSettings.cacheKeyHeaders`).
public struct PurgeSettings: Sendable, Equatable {
    /// Where changes are told (`purge.varnish`, `purge.fastly.*`, `purge.cloudflare.*`, `purge.webhooks`).
    public var targets: [PurgeTarget] = []
    /// Key of the webhooks' `X-Avatars-Signature` (`purge.webhookSecret`).
    public var webhookSecret: [UInt8] = []
    /// A purge still failing this long after its change is dropped (`purge.maxAgeSeconds`;
    /// by default the `s-maxage` of unversioned answers).
    public var maxAge = Duration.seconds(86_400)
    /// Deadline of one attempt.
    public var attemptTimeout = Duration.seconds(2)

    public init() {}

    /// What metadata stores write beside each change.
    public var outbox: PurgeOutbox { PurgeOutbox(targets: targets.map(\.name)) }
}
