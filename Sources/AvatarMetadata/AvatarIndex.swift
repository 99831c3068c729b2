import AvatarCore
import Foundation

/// The facts an upload or a re-crop records about its original and square; the index adds
/// the timestamps.
public struct AvatarFacts: Sendable, Equatable {
    public var hash: AvatarHash
    /// `OriginalVersion.of(original:crop:)`.
    public let version: String
    /// Content hash naming the stored original.
    public let original: String
    public let crop: AvatarCrop
    public var format: ImageFormat
    /// Upright width and height of the original.
    public var width: Int
    public var height: Int
    public var bytes: Int
    /// Frames of the original.
    public var frames: Int
    public var rating: Rating
    /// Set for a re-crop: the original the square was found in. Then the save happens only
    /// over a record naming that original (`.notFound` without one, `.conflict` over
    /// another), keeping that record's rating; checked by the store in the save's own
    /// transaction, so no cache or other node can make it point at a removed original.
    public var recropOf: String?

    /// `crop` defaults to the original's centre square.
    public init(
        hash: AvatarHash, original: String, crop: AvatarCrop? = nil, format: ImageFormat, width: Int, height: Int,
        bytes: Int, frames: Int = 1, rating: Rating
    ) {
        self.hash = hash
        self.original = original
        self.crop = crop ?? .centre(width: width, height: height)
        version = OriginalVersion.of(original: original, crop: self.crop)
        self.format = format
        self.width = width
        self.height = height
        self.bytes = bytes
        self.frames = frames
        self.rating = rating
    }
}

/// The outcome of saving facts: the record now stored and the one it replaced.
public struct SavedRecord: Sendable, Equatable {
    public let record: AvatarRecord
    public let replaced: AvatarRecord?

    public init(record: AvatarRecord, replaced: AvatarRecord?) {
        self.record = record
        self.replaced = replaced
    }
}

/// Where avatar records live: one record per hash. Failures to reach the store are
/// `AvatarError.storageUnavailable`.
public protocol AvatarIndex: Sendable {
    /// The record for `hash`, or `nil` when none exists.
    func record(for hash: AvatarHash) async throws(AvatarError) -> AvatarRecord?
    /// Stores `facts` as the record of their hash in one atomic step, keeping the
    /// replaced record's `createdAt`, and returns what it replaced.
    func save(_ facts: AvatarFacts, at now: Date) async throws(AvatarError) -> SavedRecord
    /// Removes the record for `hash` and returns it, or `nil` when there was none.
    func remove(_ hash: AvatarHash) async throws(AvatarError) -> AvatarRecord?
    /// Throws when the index cannot serve requests.
    func checkReady() async throws(AvatarError)
    /// Up to `limit` records in hash order, starting after `hash` (from the first when
    /// `nil`): pages that walk every record without holding them all, for `avatars check`.
    func records(after hash: AvatarHash?, limit: Int) async throws(AvatarError) -> [AvatarRecord]
    /// What `record(for:)` would answer, when the index holds it in memory, with the lease
    /// under which it stands; `nil` when finding out needs I/O.
    func heldRecord(for hash: AvatarHash) -> HeldRecord?
    /// Whether what a `heldRecord(for:)` gave under `lease` is still the hash's record, as
    /// that call would give it now. Never locks or waits: asked on every cached answer.
    func holds(_ lease: RecordLease) -> Bool
    /// Whether a record this node answers may be older than the store's, for up to
    /// `metadata.cacheSeconds`: true while the changes of other writers are not followed.
    var recordsMayLag: Bool { get }
    /// Runs `body` while no other change of `hash` runs through this index: in this
    /// process, and for an index that nodes share, on any of them.
    func exclusively<T: Sendable>(_ hash: AvatarHash, _ body: @escaping @Sendable () async throws(AvatarError) -> T)
        async throws(AvatarError) -> T
}

extension AvatarIndex {
    /// Indexes without an in-memory copy always need I/O.
    public func heldRecord(for hash: AvatarHash) -> HeldRecord? { nil }

    /// Indexes without an in-memory copy grant no leases.
    public func holds(_ lease: RecordLease) -> Bool { false }

    /// What `record(for:)` would answer, when the index holds it in memory: `.some(nil)`
    /// for a hash known to be unused; `nil` when finding out needs I/O.
    public func recordInMemory(for hash: AvatarHash) -> AvatarRecord?? {
        heldRecord(for: hash).map { $0.record }
    }

    /// Indexes without a copy of their own answer what the store holds.
    public var recordsMayLag: Bool { false }
}

extension AvatarFacts {
    /// Why these facts may not replace `previous`: a re-crop of an original `previous` does
    /// not name. Every store asks this inside the transaction that saves.
    public func refusal(over previous: AvatarRecord?) -> AvatarError? {
        guard let recropOf else { return nil }
        guard let previous else { return .notFound }
        return previous.original == recropOf ? nil : .conflict
    }
}

extension AvatarRecord {
    /// The record `facts` make when they replace `previous` (or create a new one) at `now`;
    /// a re-crop keeps `previous`'s rating.
    public init(_ facts: AvatarFacts, replacing previous: AvatarRecord?, at now: Date) {
        self.init(
            hash: facts.hash, version: facts.version, original: facts.original, crop: facts.crop,
            format: facts.format, width: facts.width, height: facts.height, bytes: facts.bytes, frames: facts.frames,
            rating: facts.recropOf != nil ? previous?.rating ?? facts.rating : facts.rating,
            createdAt: previous?.createdAt ?? now, updatedAt: now)
    }
}
