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
    public let originals: any OriginalStore
    public let index: any AvatarIndex
    public let pipeline: ImagePipeline
    public let cache: RenderCache
    private let coalescer = RenderCoalescer()
    private let metrics: ServiceMetrics
    private let logger: Logger

    public init(
        originals: any OriginalStore, index: any AvatarIndex, pipeline: ImagePipeline, cache: RenderCache,
        metrics: ServiceMetrics, logger: Logger
    ) {
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

    /// What `record(for:)` would answer, when known without I/O.
    public func recordInMemory(for hash: AvatarHash) -> AvatarRecord?? {
        index.recordInMemory(for: hash)
    }

    /// The render of `record` with `parameters` when this node's render cache holds it;
    /// never renders, never suspends.
    public func renderInCache(_ record: AvatarRecord, parameters: RenderParameters) -> RenderedAvatar? {
        guard let cached = cache.get(Self.renderKey(record, parameters)) else { return nil }
        return RenderedAvatar(
            bytes: cached.bytes, contentType: cached.contentType,
            entityTag: RenderedAvatar.entityTag(record: record, parameters: parameters), lastModified: record.updatedAt,
            source: .cache)
    }

    /// The avatar `record` describes, rendered with `parameters`: from the original's master
    /// up to `RenderParameters.masterSize`, else from the original.
    /// `.notFound` when its original has gone missing from the store.
    public func render(_ record: AvatarRecord, parameters: RenderParameters) async throws(AvatarError)
        -> RenderedAvatar
    {
        try await cachedRender(
            Self.renderKey(record, parameters), entityTag: RenderedAvatar.entityTag(record: record, parameters: parameters),
            lastModified: record.updatedAt
        ) {
            if parameters.rendersFromMaster {
                return try await self.pipeline.render(master: try await self.master(of: record), parameters: parameters)
            }
            return try await self.pipeline.render(original: try await self.original(of: record), parameters: parameters)
        }
    }

    /// A generated default for `hash`, drawn by `DefaultArt` and rendered like an avatar.
    public func renderDefault(_ kind: GeneratedDefault, for hash: AvatarHash, parameters: RenderParameters)
        async throws(AvatarError) -> RenderedAvatar
    {
        try await cachedRender(
            RenderCacheKey(hash: hash.value, version: Self.defaultVariant(kind), parameters: parameters.fingerprint),
            entityTag: Self.defaultEntityTag(kind, for: hash, parameters: parameters), lastModified: nil
        ) {
            let svg = Array(DefaultArt.svg(kind, hash: hash.value, size: parameters.size).utf8)
            return try await self.pipeline.render(original: svg, parameters: parameters)
        }
    }

    /// The ETag of a generated default, known before rendering so revalidations cost nothing.
    public static func defaultEntityTag(_ kind: GeneratedDefault, for hash: AvatarHash, parameters: RenderParameters)
        -> String
    {
        "\"\(defaultVariant(kind))-\(hash.value.prefix(16))-\(parameters.fingerprint)\""
    }

    /// Names a default's drawing: the kind, the art version and, for initials, the letters.
    private static func defaultVariant(_ kind: GeneratedDefault) -> String {
        var variant = "default-\(kind.keyword)-a\(DefaultArt.version)"
        if case .initials(let letters) = kind { variant += "-" + OriginalVersion.of(Array(letters.utf8)) }
        return variant
    }

    /// The render under `key`: from the render cache, else made once by `make` however many
    /// requests ask at the same time, and handed to the cache.
    private func cachedRender(
        _ key: RenderCacheKey, entityTag: String, lastModified: Date?,
        make: @escaping @Sendable () async throws -> RenderedImage
    ) async throws(AvatarError) -> RenderedAvatar {
        func answer(_ render: CachedRender, _ origin: RenderedAvatar.Source) -> RenderedAvatar {
            RenderedAvatar(
                bytes: render.bytes, contentType: render.contentType, entityTag: entityTag, lastModified: lastModified,
                source: origin)
        }
        if let cached = cache.get(key) { return answer(cached, .cache) }
        do {
            let rendered = try await coalescer.render(key, recheck: { cache.pending(key) }) {
                let image = try await make()
                self.metrics.renders.increment()
                let render = CachedRender(contentType: image.format.contentType, bytes: ByteBuffer(bytes: image.bytes))
                self.cache.store(render, for: key)
                return render
            }
            return answer(rendered, .render)
        } catch let error as AvatarError {
            throw error
        } catch {
            logger.error("render failed", metadata: ["key": "\(key)", "error": "\(error)"])
            throw .renderFailed("the image could not be rendered")
        }
    }

    private static func renderKey(_ record: AvatarRecord, _ parameters: RenderParameters) -> RenderCacheKey {
        RenderCacheKey(hash: record.hash, version: record.version, parameters: parameters.fingerprint)
    }

    private static func masterKey(_ record: AvatarRecord) -> RenderCacheKey {
        .master(hash: record.hash, version: record.version, pipeline: RenderParameters.masterFingerprint)
    }

    /// The master of `record`'s original: from this node's cache, else made from the
    /// original once however many renders need it at the same time.
    private func master(of record: AvatarRecord) async throws -> MasterImage {
        let key = Self.masterKey(record)
        if let cached = cache.get(key), let master = MasterImage(serialized: Array(cached.bytes.readableBytesView)) {
            return master
        }
        let entry = try await coalescer.render(key, recheck: { cache.pending(key) }) {
            try await self.makeMaster(of: try await self.original(of: record), for: record)
        }
        guard let master = MasterImage(serialized: Array(entry.bytes.readableBytesView)) else {
            throw AvatarError.internalFailure(reason: "a master could not be read back")
        }
        return master
    }

    /// The original `record` points at. `.notFound` when it has gone missing from the store.
    private func original(of record: AvatarRecord) async throws -> [UInt8] {
        guard let hash = AvatarHash(record.hash) else {
            throw AvatarError.internalFailure(reason: "stored hash is invalid")
        }
        guard let original = try await original(OriginalKey(hash: hash, version: record.version)) else {
            logger.error(
                "original missing for a recorded avatar", metadata: ["hash": "\(record.hash)", "version": "\(record.version)"])
            throw AvatarError.notFound
        }
        return original
    }

    /// An original's bytes: from this node's cache when the store is remote, else from the
    /// store (and then kept in the cache for the next size of the same avatar).
    private func original(_ key: OriginalKey) async throws(AvatarError) -> [UInt8]? {
        let cacheKey = RenderCacheKey.original(hash: key.hash.value, version: key.version)
        if originals.isRemote, let cached = cache.get(cacheKey) { return Array(cached.bytes.readableBytesView) }
        metrics.originalReads.increment()
        guard let bytes = try await originals.get(key) else { return nil }
        keepLocally(bytes, key)
        return bytes
    }

    private func keepLocally(_ bytes: [UInt8], _ key: OriginalKey) {
        guard originals.isRemote else { return }
        cache.store(
            CachedRender(contentType: "application/octet-stream", bytes: ByteBuffer(bytes: bytes)),
            for: .original(hash: key.hash.value, version: key.version))
    }

    /// Stores a new original for `hash`: checked, written, recorded, and only then the
    /// original it replaced removed. A refused or failed upload leaves nothing behind.
    public func upload(_ bytes: [UInt8], for hash: AvatarHash, rating: Rating) async throws(AvatarError)
        -> SavedRecord
    {
        let inspected = try await pipeline.inspect(upload: bytes)
        let version = OriginalVersion.of(bytes)
        let key = OriginalKey(hash: hash, version: version)
        let current = try await index.record(for: hash)

        try await originals.put(key, bytes: bytes, format: inspected.format)
        let facts = AvatarFacts(
            hash: hash, version: version, format: inspected.format, width: inspected.width,
            height: inspected.height, bytes: bytes.count, rating: rating)
        let saved: SavedRecord
        do {
            saved = try await index.save(facts, at: Date())
        } catch {
            // The file is ours to remove unless a record already pointed at these same bytes.
            if current?.version != version { try? await originals.delete(key) }
            throw error
        }
        keepLocally(bytes, key)
        await keepMaster(of: bytes, record: saved.record)
        if let replaced = saved.replaced, replaced.version != version {
            await removeOriginal(OriginalKey(hash: hash, version: replaced.version))
        }
        return saved
    }

    /// Makes the master of a new upload while its bytes are at hand, so the first renders of
    /// it skip decoding the original. A failure only costs that head start.
    private func keepMaster(of bytes: [UInt8], record: AvatarRecord) async {
        do {
            _ = try await makeMaster(of: bytes, for: record)
        } catch {
            logger.warning("could not make the master of an upload", metadata: ["hash": "\(record.hash)", "error": "\(error)"])
        }
    }

    /// Makes the master of `original` (the bytes of `record`'s original) and hands it to the cache.
    private func makeMaster(of original: [UInt8], for record: AvatarRecord) async throws -> CachedRender {
        let master = try await pipeline.master(of: original)
        metrics.masters.increment()
        let entry = CachedRender(contentType: MasterImage.contentType, bytes: ByteBuffer(bytes: master.serialized))
        cache.store(entry, for: Self.masterKey(record))
        return entry
    }

    /// Removes the avatar under `hash`; returns whether there was one.
    public func delete(_ hash: AvatarHash) async throws(AvatarError) -> Bool {
        guard let removed = try await index.remove(hash) else { return false }
        await removeOriginal(OriginalKey(hash: hash, version: removed.version))
        return true
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
