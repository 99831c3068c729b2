import AvatarCore

/// Names one stored original: the avatar's hash and the content version of its bytes.
public struct OriginalKey: Hashable, Sendable, CustomStringConvertible {
    public let hash: AvatarHash
    public let version: String

    public init(hash: AvatarHash, version: String) {
        self.hash = hash
        self.version = version
    }

    public var description: String { "\(hash.value)/\(version)" }
}

/// Where uploaded originals live (the only bytes the service keeps for good).
/// Failures to reach the store are `AvatarError.storageUnavailable`.
public protocol OriginalStore: Sendable {
    /// Stores `bytes` under `key` atomically: readers see all of it or nothing.
    func put(_ key: OriginalKey, bytes: [UInt8], format: ImageFormat) async throws(AvatarError)
    /// The bytes under `key`, or `nil` when there are none.
    func get(_ key: OriginalKey) async throws(AvatarError) -> [UInt8]?
    /// Removes `key`; removing a missing key is not an error.
    func delete(_ key: OriginalKey) async throws(AvatarError)
    /// Everything the store holds: originals, temporaries left by a crash, and names it does not know.
    func inventory() async throws(AvatarError) -> [StoredItem]
    /// Removes an item `inventory()` listed (an original, a temporary; never an unrecognised name).
    func remove(_ item: StoredItem) async throws(AvatarError)
    /// Throws when the store cannot serve requests.
    func checkReady() async throws(AvatarError)
    /// Whether reads cross the network, so that nodes should keep local copies.
    var isRemote: Bool { get }
}
