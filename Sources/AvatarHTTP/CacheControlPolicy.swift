import Foundation

/// `Cache-Control` values by kind of response.
public struct CacheControlPolicy: Sendable, Equatable {
    /// For URLs naming the current version with `v=`: the bytes can never change.
    public var versioned = "public, max-age=31536000, immutable"
    /// For URLs without a version: may change on re-upload.
    /// A short life in browsers, which no purge reaches; a long one in CDNs, which purges end.
    public var unversioned = "public, max-age=300, s-maxage=86400, stale-while-revalidate=60, stale-if-error=86400"
    /// For unknown avatars.
    public var missing = "public, max-age=300"
    /// For server errors, which must never be cached.
    public let serverError = "no-store"

    public init() {}

    /// This policy with the answers that may change (unversioned and missing ones) kept by
    /// shared caches at most `seconds`; versioned bytes never change and keep their life.
    public func sharedAtMost(_ seconds: Int) -> CacheControlPolicy {
        var capped = self
        capped.unversioned = Self.sharedAtMost(seconds, unversioned)
        capped.missing = Self.sharedAtMost(seconds, missing)
        return capped
    }

    /// `value` with its `s-maxage` lowered to `seconds`, or one added when shared caches would
    /// otherwise go by a longer (or no) `max-age`; and the times stale copies may be served,
    /// `stale-while-revalidate` and `stale-if-error`, at most `seconds` too. Values no shared
    /// cache stores stay as they are.
    static func sharedAtMost(_ seconds: Int, _ value: String) -> String {
        var directives = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let lowered = Set(directives.map { $0.lowercased() })
        guard lowered.isDisjoint(with: ["no-store", "private"]) else { return value }
        var sharedMaxAge = false
        var changed = false
        for (index, directive) in directives.enumerated() {
            let parts = directive.split(separator: "=", maxSplits: 1).map { $0.lowercased() }
            guard parts.count == 2, ["s-maxage", "stale-while-revalidate", "stale-if-error"].contains(parts[0]) else {
                continue
            }
            sharedMaxAge = sharedMaxAge || parts[0] == "s-maxage"
            if let current = Int(parts[1]), (0...seconds).contains(current) { continue }
            directives[index] = "\(parts[0])=\(seconds)"
            changed = true
        }
        if !sharedMaxAge {
            let ownMaxAge = directives.first { $0.lowercased().hasPrefix("max-age=") }.flatMap { Int($0.dropFirst(8)) }
            if (ownMaxAge ?? Int.max) > seconds {
                directives.append("s-maxage=\(seconds)")
                changed = true
            }
        }
        return changed ? directives.joined(separator: ", ") : value
    }
}
