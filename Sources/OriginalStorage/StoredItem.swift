import Foundation

/// One thing an original store holds, as its inventory lists it for `avatars check`.
public struct StoredItem: Sendable, Hashable {
    /// What the item is, read from its name.
    public enum Kind: Sendable, Hashable {
        /// An original under its key.
        case original(OriginalKey)
        /// A write that never reached its name (a crash between writing and renaming).
        case temporary
        /// A name the store's layout does not explain; never touched.
        case unrecognised
    }

    /// The path under the store's root, or the object key.
    public let name: String
    public let kind: Kind
    /// When it was last written; `nil` when the store cannot tell (such an item is never old enough to remove).
    public let modified: Date?

    public init(name: String, kind: Kind, modified: Date?) {
        self.name = name
        self.kind = kind
        self.modified = modified
    }

    /// Whether it was last written at least `age` before `now`.
    public func isOlder(than age: TimeInterval, at now: Date) -> Bool {
        guard let modified else { return false }
        return now.timeIntervalSince(modified) >= age
    }
}
