import Foundation

/// When a failed purge is tried again, and when it stops mattering: pure, so the schedule
/// is tested without a clock.
public struct PurgeRetry: Sendable, Equatable {
    /// Past this age a CDN's own `s-maxage` has ended the stale copy anyway.
    public var maxAge: Duration
    public var firstDelay: Duration = .seconds(1)
    public var longestDelay: Duration = .seconds(30)

    public init(maxAge: Duration) {
        self.maxAge = maxAge
    }

    /// The delay after the `failures`-th failed attempt: 1 s, doubling, at most 30 s apart.
    public func delay(afterFailures failures: Int) -> Duration {
        guard failures > 1 else { return firstDelay }
        // Past 2^5 the cap has long been reached; the shift never overflows.
        let doubled = firstDelay * (1 << min(failures - 1, 16))
        return min(doubled, longestDelay)
    }

    /// Whether a change made at `changedAt` is too old to purge at `now`.
    public func hasExpired(_ changedAt: Date, at now: Date) -> Bool {
        now.timeIntervalSince(changedAt) > maxAge.seconds
    }

    /// `purge` after one more failure at `now`: counted, and due after its delay.
    public func afterFailure(_ purge: PendingPurge, at now: Date) -> PendingPurge {
        var next = purge
        next.attempts += 1
        next.nextAttemptAt = now.addingTimeInterval(delay(afterFailures: next.attempts).seconds)
        return next
    }
}

extension Duration {
    /// The duration in seconds, as `TimeInterval`.
    var seconds: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}
