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

    /// The avatar `record` describes, rendered with `parameters`: from the render cache,
    /// else rendered once however many requests ask at the same time.
    /// `.notFound` when its original has gone missing from the store.
    public func render(_ record: AvatarRecord, parameters: RenderParameters) async throws(AvatarError)
        -> RenderedAvatar
    {
        let key = RenderCacheKey(hash: record.hash, version: record.version, parameters: parameters.fingerprint)
        let entityTag = RenderedAvatar.entityTag(record: record, parameters: parameters)
        func answer(_ render: CachedRender, _ source: RenderedAvatar.Source) -> RenderedAvatar {
            RenderedAvatar(
                bytes: render.bytes, contentType: render.contentType, entityTag: entityTag,
                lastModified: record.updatedAt, source: source)
        }
        if let cached = cache.get(key) { return answer(cached, .cache) }
        do {
            let rendered = try await coalescer.render(key, recheck: { cache.pending(key) }) {
                try await self.renderOnce(record, parameters: parameters, key: key)
            }
            return answer(rendered, .render)
        } catch let error as AvatarError {
            throw error
        } catch {
            logger.error("render failed", metadata: ["key": "\(key)", "error": "\(error)"])
            throw .renderFailed("the avatar could not be rendered")
        }
    }

    /// A generated default for `hash`, drawn by `DefaultArt` and rendered like an avatar:
    /// cached, coalesced, and the same bytes on every node.
    public func renderDefault(_ kind: GeneratedDefault, for hash: AvatarHash, parameters: RenderParameters)
        async throws(AvatarError) -> RenderedAvatar
    {
        var variant = "default-\(kind.keyword)-a\(DefaultArt.version)"
        if case .initials(let letters) = kind { variant += "-" + OriginalVersion.of(Array(letters.utf8)) }
        let key = RenderCacheKey(hash: hash.value, version: variant, parameters: parameters.fingerprint)
        let entityTag = "\"\(variant)-\(hash.value.prefix(16))-\(parameters.fingerprint)\""
        func answer(_ render: CachedRender, _ source: RenderedAvatar.Source) -> RenderedAvatar {
            RenderedAvatar(
                bytes: render.bytes, contentType: render.contentType, entityTag: entityTag, lastModified: nil,
                source: source)
        }
        if let cached = cache.get(key) { return answer(cached, .cache) }
        do {
            let rendered = try await coalescer.render(key, recheck: { cache.pending(key) }) {
                self.metrics.renders.increment()
                let svg = DefaultArt.svg(kind, hash: hash.value, size: parameters.size)
                let image = try await self.pipeline.render(original: Array(svg.utf8), parameters: parameters)
                let render = CachedRender(contentType: image.format.contentType, bytes: ByteBuffer(bytes: image.bytes))
                self.cache.store(render, for: key)
                return render
            }
            return answer(rendered, .render)
        } catch {
            logger.error("default render failed", metadata: ["key": "\(key)", "error": "\(error)"])
            throw .renderFailed("the default image could not be rendered")
        }
    }

    /// Reads the original, renders it and hands the result to the cache.
    private func renderOnce(_ record: AvatarRecord, parameters: RenderParameters, key: RenderCacheKey) async throws
        -> CachedRender
    {
        guard let hash = AvatarHash(record.hash) else { throw AvatarError.internalFailure(reason: "stored hash is invalid") }
        guard let original = try await original(OriginalKey(hash: hash, version: record.version)) else {
            logger.error(
                "original missing for a recorded avatar",
                metadata: ["hash": "\(record.hash)", "version": "\(record.version)"])
            throw AvatarError.notFound
        }
        metrics.renders.increment()
        let image = try await pipeline.render(original: original, parameters: parameters)
        let render = CachedRender(contentType: image.format.contentType, bytes: ByteBuffer(bytes: image.bytes))
        cache.store(render, for: key)
        return render
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
        if let replaced = saved.replaced, replaced.version != version {
            await removeOriginal(OriginalKey(hash: hash, version: replaced.version))
        }
        return saved
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
