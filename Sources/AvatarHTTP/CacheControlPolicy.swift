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
    /// otherwise go by a longer `max-age`. Values no shared cache stores stay as they are.
    static func sharedAtMost(_ seconds: Int, _ value: String) -> String {
        var directives = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        func number(_ name: String) -> (index: Int, value: Int?)? {
            guard let index = directives.firstIndex(where: { $0.lowercased().hasPrefix(name + "=") }) else { return nil }
            return (index, Int(directives[index].dropFirst(name.count + 1)))
        }
        let lowered = Set(directives.map { $0.lowercased() })
        guard lowered.isDisjoint(with: ["no-store", "private"]) else { return value }
        if let shared = number("s-maxage") {
            if let current = shared.value, current <= seconds { return value }
            directives[shared.index] = "s-maxage=\(seconds)"
        } else {
            guard let ownMaxAge = number("max-age"), (ownMaxAge.value ?? Int.max) > seconds else { return value }
            directives.append("s-maxage=\(seconds)")
        }
        return directives.joined(separator: ", ")
    }
}
