import AvatarCore
import CoreMetrics
import DefaultAvatars
import AvatarMetadata
import Foundation
import Logging
import NIOCore
import OriginalStorage
import RenderCache
import RenderPipeline

/// The avatar flow behind the HTTP layer: metadata, then the render cache, and on a miss
/// the original and one render (shared by concurrent requests) that goes into the cache;
/// and uploads and deletes that keep originals and records consistent.
public final class AvatarService: Sendable {
    private let originals: any OriginalStore
    private let index: any AvatarIndex
    private let pipeline: ImagePipeline
    /// `nil` for a writer that renders nothing (`avatars import`): nothing is kept or read back.
    private let cache: RenderCache?
    private let coalescer = RenderCoalescer()
    private let metrics: ServiceMetrics
    private let logger: Logger
    private let changed: @Sendable () -> Void

    /// `changed` runs after every committed change (upload, re-crop, delete): the purges the
    /// store wrote with it can go out at once. It must not wait.
    public init(
        originals: any OriginalStore, index: any AvatarIndex, pipeline: ImagePipeline, cache: RenderCache?,
        metrics: ServiceMetrics, logger: Logger, changed: @escaping @Sendable () -> Void = {}
    ) {
        self.changed = changed
        self.originals = originals
        self.index = index
        self.pipeline = pipeline
        self.cache = cache
        self.metrics = metrics
        self.logger = logger
    }

    /// The record for `hash`, or `nil` when no avatar is stored under it.
    public func record(for hash: AvatarHash) async throws(AvatarError) -> AvatarRecord? {
        try await index.record(for: hash)
    }

    /// What `record(for:)` would answer, when known without I/O, and the lease under which
    /// it stands.
    public func heldRecord(for hash: AvatarHash) -> HeldRecord? {
        index.heldRecord(for: hash)
    }

    /// Whether a record held under `lease` is still what `record(for:)` would answer
    /// (`AvatarIndex.holds(_:)`): never locks or waits.
    public func holds(_ lease: RecordLease) -> Bool {
        index.holds(lease)
    }

    /// Whether records this node answers may be older than the store's (see `AvatarIndex`).
    public var recordsMayLag: Bool { index.recordsMayLag }

    /// What `request` shows given the hash's `record` (`nil`: no avatar stored): the avatar,
    /// unless `f=y` or its rating is above the request's, else the request's default.
    public func shown(_ request: RenderRequest, record: AvatarRecord?) -> ShownImage {
        if let record, !request.forceDefault, record.rating <= request.rating {
            let format = request.output(for: record)
            let animated = record.isAnimated && request.animate && (format == .gif || format == .webp)
            return .avatar(
                record,
                pipeline.parameters(
                    size: animated ? min(request.size, pipeline.settings.animatedSide(frames: record.frames)) : request.size,
                    format: format,
                    shape: request.shape, background: request.background,
                    animatedMasterSide: animated
                        ? pipeline.settings.animatedMasterSide(of: record.crop, frames: record.frames) : nil))
        }
        switch request.defaultImage {
        case .notFound: return .notFound
        case .redirect(let location): return .redirect(location)
        case .generated(let kind):
            return .generated(
                kind, request.hash,
                pipeline.parameters(
                    size: request.size, format: request.format ?? .png, shape: request.shape, background: request.background))
        }
    }

    /// The render of `shown` when this node holds it in memory (renders kept from the
    /// cache file and writes pending); never reads the disk, never suspends.
    public func renderInMemory(_ shown: ShownImage) -> RenderedAvatar? {
        guard let key = shown.renderKey, let cached = cache?.inMemory(key) else { return nil }
        return RenderedAvatar(bytes: cached.bytes, contentType: cached.contentType, source: .cache)
    }

    /// The bytes of `shown`: from this node's render cache, else rendered once however many
    /// requests ask at the same time. An avatar up to `RenderParameters.masterSize` comes
    /// from its original's master, a larger one from the original; `.notFound` when its
    /// original has gone missing from the store.
    public func render(_ shown: ShownImage) async throws(AvatarError) -> RenderedAvatar {
        switch shown {
        case .avatar(let record, let parameters):
            return try await cachedRender(shown) {
                if let side = parameters.animatedMasterSide {
                    return try await self.pipeline.render(
                        animatedMaster: try await self.animatedMaster(of: record, side: side), parameters: parameters)
                }
                if parameters.rendersFromMaster(of: record.crop) {
                    return try await self.renderFromMaster(of: record, parameters: parameters)
                }
                return try await self.pipeline.render(
                    original: try await self.original(of: record), crop: record.crop, width: record.width,
                    height: record.height, parameters: parameters)
            }
        case .generated(let kind, let hash, let parameters):
            return try await cachedRender(shown) {
                let svg = DefaultArt.svg(kind, hash: hash.value, size: parameters.size)
                return try await self.pipeline.render(generatedSVG: svg, parameters: parameters)
            }
        case .redirect, .notFound:
            throw .internalFailure(reason: "nothing to render for \(shown)")
        }
    }

    /// The render of `shown`: from the render cache, else made once by `make` however many
    /// requests ask at the same time, and handed to the cache.
    private func cachedRender(_ shown: ShownImage, make: @escaping @Sendable () async throws -> RenderedImage)
        async throws(AvatarError) -> RenderedAvatar
    {
        guard let key = shown.renderKey else { throw .internalFailure(reason: "nothing to render for \(shown)") }
        let admission = shown.cacheAdmission
        if let cached = await cache?.get(key) {
            return RenderedAvatar(bytes: cached.bytes, contentType: cached.contentType, source: .cache)
        }
        do {
            let rendered = try await coalescer.render(key, recheck: { cache?.pending(key) }) {
                let image = try await make()
                self.metrics.renders.increment()
                let render = CachedRender(contentType: image.format.contentType, bytes: ByteBuffer(bytes: image.bytes))
                self.cache?.store(render, for: key, admission: admission)
                return render
            }
            return RenderedAvatar(bytes: rendered.bytes, contentType: rendered.contentType, source: .render)
        } catch let error as AvatarError {
            throw error
        } catch is CancellationError {
            // Every requester left, so the shared render was stopped before it finished.
            throw .overloaded
        } catch {
            logger.error("render failed", metadata: ["key": "\(key)", "error": "\(error)"])
            throw .renderFailed("the image could not be rendered")
        }
    }

    /// What a page needs before `record`'s avatar arrives (mean colour, ThumbHash): from this
    /// node's cache, else worked out once from the master however many requests ask at once.
    public func summary(of record: AvatarRecord) async throws(AvatarError) -> ImageSummary {
        let key = RenderCacheKey(hash: record.hash, version: record.version, parameters: ImageSummary.fingerprint)
        do {
            return try await cached(key, named: "a summary", ImageSummary.init(serialized:)) {
                let summary = try await self.pipeline.summary(master: try await self.master(of: record))
                return CachedRender(contentType: ImageSummary.contentType, bytes: ByteBuffer(bytes: summary.serialized))
            }
        } catch let error as AvatarError {
            throw error
        } catch is CancellationError {
            throw .overloaded
        } catch {
            logger.error("summary failed", metadata: ["hash": "\(record.hash)", "error": "\(error)"])
            throw .renderFailed("the image could not be summarised")
        }
    }

    private static func masterKey(_ record: AvatarRecord) -> RenderCacheKey {
        .master(hash: record.hash, version: record.version, pipeline: RenderParameters.masterFingerprint)
    }

    /// A render from `record`'s master: read in place from this node's cache on the render
    /// thread, else from the master made (once however many renders need it) from the original.
    private func renderFromMaster(of record: AvatarRecord, parameters: RenderParameters) async throws -> RenderedImage {
        if let cache,
            let rendered = try await pipeline.render(
                masterFrom: CachedMaster(cache: cache, key: Self.masterKey(record)), parameters: parameters)
        {
            return rendered
        }
        return try await pipeline.render(master: try await master(of: record), parameters: parameters)
    }

    /// The master of `record`'s square of its original: from this node's cache, else made
    /// from the original once however many renders need it at the same time.
    private func master(of record: AvatarRecord) async throws -> MasterImage {
        let key = Self.masterKey(record)
        if let master = await cache?.read(key, MasterImage.init(copying:)) {
            return master
        }
        let entry = try await coalescer.render(key, recheck: { cache?.pending(key) }) {
            try await self.makeMaster(of: try await self.original(of: record), for: record)
        }
        guard let master = entry.bytes.withUnsafeReadableBytes(MasterImage.init(copying:)) else {
            throw AvatarError.internalFailure(reason: "a master could not be read back")
        }
        return master
    }

    /// The animated master of `record` with frames `side` pixels square: from this node's
    /// cache, else made from the original once however many renders need it at the same time.
    private func animatedMaster(of record: AvatarRecord, side: Int) async throws -> AnimatedMaster {
        let key = RenderCacheKey.master(
            hash: record.hash, version: record.version, pipeline: RenderParameters.animatedMasterFingerprint(side: side))
        return try await cached(key, named: "an animated master", AnimatedMaster.init(serialized:)) {
            let master = try await self.pipeline.animatedMaster(
                of: try await self.original(of: record), crop: record.crop, side: side)
            self.metrics.masters.increment()
            return CachedRender(contentType: AnimatedMaster.contentType, bytes: ByteBuffer(bytes: master.serialized))
        }
    }

    /// What `decode` reads from the entry under `key`: from this node's cache, else from the
    /// entry `make` makes once however many callers ask at the same time, handed to the cache.
    private func cached<Value>(
        _ key: RenderCacheKey, named name: String, _ decode: (ByteBufferView) -> Value?,
        make: @escaping @Sendable () async throws -> CachedRender
    ) async throws -> Value {
        if let found = await cache?.get(key), let value = decode(found.bytes.readableBytesView) {
            return value
        }
        let entry = try await coalescer.render(key, recheck: { cache?.pending(key) }) {
            let entry = try await make()
            self.cache?.store(entry, for: key)
            return entry
        }
        guard let value = decode(entry.bytes.readableBytesView) else {
            throw AvatarError.internalFailure(reason: "\(name) could not be read back")
        }
        return value
    }

    /// The original `record` points at. `.notFound` when it has gone missing from the store.
    private func original(of record: AvatarRecord) async throws -> [UInt8] {
        guard let original = try await original(OriginalKey(of: record)) else {
            logger.error(
                "original missing for a recorded avatar", metadata: ["hash": "\(record.hash)", "original": "\(record.original)"])
            throw AvatarError.notFound
        }
        return original
    }

    /// An original's bytes: from this node's cache when the store is remote, else from the
    /// store (and then kept in the cache for the next size of the same avatar).
    private func original(_ key: OriginalKey) async throws(AvatarError) -> [UInt8]? {
        let cacheKey = RenderCacheKey.original(hash: key.hash, version: key.version)
        if originals.isRemote, let cached = await cache?.get(cacheKey) { return Array(cached.bytes.readableBytesView) }
        metrics.originalReads.increment()
        guard let bytes = try await originals.get(key) else { return nil }
        keepLocally(bytes, key)
        return bytes
    }

    private func keepLocally(_ bytes: [UInt8], _ key: OriginalKey) {
        guard originals.isRemote else { return }
        cache?.store(
            CachedRender(contentType: "application/octet-stream", bytes: ByteBuffer(bytes: bytes)),
            for: .original(hash: key.hash, version: key.version))
    }

    /// Stores a new original for `hash` showing the square `choice` picks in it (the
    /// pipeline's default crop when `nil`): checked, written, recorded, and only then the
    /// original it replaced removed. A refused or failed upload leaves nothing behind.
    ///
    /// Originals are named by content hash, so an original removed by one change may be
    /// pointed at again by the next: the write, save and removal run as one step per hash,
    /// on this node and across nodes, so every record points at an original that exists.
    public func upload(_ bytes: [UInt8], for hash: AvatarHash, rating: Rating, crop choice: CropChoice? = nil)
        async throws(AvatarError) -> SavedRecord
    {
        let inspected = try await pipeline.inspect(upload: bytes)
        let crop = try await pipeline.square(
            for: choice ?? pipeline.settings.defaultCrop, of: bytes, width: inspected.width, height: inspected.height)
        let original = OriginalVersion.of(bytes)
        let key = OriginalKey(hash: hash, version: original)
        let facts = AvatarFacts(
            hash: hash, original: original, crop: crop, format: inspected.format, width: inspected.width,
            height: inspected.height, bytes: bytes.count, frames: inspected.frames, rating: rating)
        let saved = try await change(hash) { [self] () throws(AvatarError) in
            let current = try await index.record(for: hash)
            try await originals.put(key, bytes: bytes, format: inspected.format)
            let saved: SavedRecord
            do throws(AvatarError) {
                saved = try await index.save(facts, at: Date())
            } catch {
                // The file is ours to remove unless a record already pointed at these same
                // bytes, or the save may yet have committed (a lost connection, a deadline):
                // then it stays, an orphan only if the save did not commit.
                if current?.original != original, !error.outcomeMayBeUnknown { try? await originals.delete(key) }
                throw error
            }
            if let replaced = saved.replaced, replaced.original != original {
                await removeOriginal(OriginalKey(of: replaced))
            }
            return saved
        }
        keepLocally(bytes, key)
        await keepMaster(of: bytes, record: saved.record)
        return saved
    }

    /// Sets the square the avatar under `hash` shows to the one `choice` picks, without
    /// storing a new original: a new version, so caches and clients see it as a re-upload.
    /// `.notFound` without an avatar; `.conflict` when another change replaced the original
    /// while the square was being found.
    public func recrop(_ hash: AvatarHash, to choice: CropChoice) async throws(AvatarError) -> SavedRecord {
        guard let current = try await index.record(for: hash) else { throw .notFound }
        let bytes: [UInt8]
        do { bytes = try await original(of: current) } catch let error as AvatarError { throw error } catch {
            throw .internalFailure(reason: "reading the original failed: \(error)")
        }
        let crop = try await pipeline.square(for: choice, of: bytes, width: current.width, height: current.height)
        var facts = AvatarFacts(
            hash: hash, original: current.original, crop: crop, format: current.format, width: current.width,
            height: current.height, bytes: current.bytes, frames: current.frames, rating: current.rating)
        // Saved only over the original the square was found in, checked by the store itself:
        // else a re-crop racing an upload could point the record back at a removed original.
        facts.recropOf = current.original
        let saved = try await change(hash) { [index, facts] () throws(AvatarError) in try await index.save(facts, at: Date()) }
        await keepMaster(of: bytes, record: saved.record)
        return saved
    }

    /// Makes the master of a new upload while its bytes are at hand, so the first renders of
    /// it skip decoding the original. A failure only costs that head start; without a cache
    /// there is nowhere to keep it.
    private func keepMaster(of bytes: [UInt8], record: AvatarRecord) async {
        guard cache != nil else { return }
        do {
            _ = try await makeMaster(of: bytes, for: record)
        } catch {
            logger.warning("could not make the master of an upload", metadata: ["hash": "\(record.hash)", "error": "\(error)"])
        }
    }

    /// Makes the master of `original` (the bytes of `record`'s original) and hands it to the cache.
    private func makeMaster(of original: [UInt8], for record: AvatarRecord) async throws -> CachedRender {
        let master = try await pipeline.master(of: original, crop: record.crop, width: record.width, height: record.height)
        metrics.masters.increment()
        let entry = CachedRender(contentType: MasterImage.contentType, bytes: ByteBuffer(bytes: master.serialized))
        cache?.store(entry, for: Self.masterKey(record))
        return entry
    }

    /// Removes the avatar under `hash`; returns whether there was one.
    public func delete(_ hash: AvatarHash) async throws(AvatarError) -> Bool {
        try await change(hash) { [self] () throws(AvatarError) in
            guard let removed = try await index.remove(hash) else { return false }
            await removeOriginal(OriginalKey(of: removed))
            return true
        }
    }

    /// Runs a change of `hash` while no other change of it runs (`AvatarIndex.exclusively`),
    /// and to its end even when the request that asked for it is cancelled (its connection
    /// closed): a change stopped between its steps would leave an original no record points at.
    private func change<T: Sendable>(_ hash: AvatarHash, _ body: @escaping @Sendable () async throws(AvatarError) -> T)
        async throws(AvatarError) -> T
    {
        let index = index
        let task = Task { () async throws -> T in try await index.exclusively(hash, body) }
        do {
            let value = try await task.value
            changed()
            return value
        } catch let error as AvatarError {
            throw error
        } catch {
            throw .internalFailure(reason: "a change failed: \(error)")
        }
    }

    /// Throws when a store cannot serve requests.
    public func checkReady() async throws(AvatarError) {
        try await originals.checkReady()
        try await index.checkReady()
    }

    /// An original no record points at any more. Failing to remove it costs disk space,
    /// not correctness, so it is logged rather than failing the request.
    private func removeOriginal(_ key: OriginalKey) async {
        do {
            try await originals.delete(key)
        } catch {
            logger.warning("could not remove a replaced original", metadata: ["key": "\(key)", "error": "\(error)"])
        }
    }
}
