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

    /// The avatar `record` describes, rendered with `parameters`.
    /// `.notFound` when its original has gone missing from the store.
    public func render(_ record: AvatarRecord, parameters: RenderParameters) async throws(AvatarError)
        -> RenderedAvatar
    {
        try await cachedRender(
            RenderCacheKey(hash: record.hash, version: record.version, parameters: parameters.fingerprint),
            parameters: parameters, entityTag: RenderedAvatar.entityTag(record: record, parameters: parameters),
            lastModified: record.updatedAt
        ) {
            guard let hash = AvatarHash(record.hash) else {
                throw AvatarError.internalFailure(reason: "stored hash is invalid")
            }
            guard let original = try await self.original(OriginalKey(hash: hash, version: record.version)) else {
                self.logger.error(
                    "original missing for a recorded avatar",
                    metadata: ["hash": "\(record.hash)", "version": "\(record.version)"])
                throw AvatarError.notFound
            }
            return original
        }
    }

    /// A generated default for `hash`, drawn by `DefaultArt` and rendered like an avatar.
    public func renderDefault(_ kind: GeneratedDefault, for hash: AvatarHash, parameters: RenderParameters)
        async throws(AvatarError) -> RenderedAvatar
    {
        try await cachedRender(
            RenderCacheKey(hash: hash.value, version: Self.defaultVariant(kind), parameters: parameters.fingerprint),
            parameters: parameters, entityTag: Self.defaultEntityTag(kind, for: hash, parameters: parameters),
            lastModified: nil
        ) {
            Array(DefaultArt.svg(kind, hash: hash.value, size: parameters.size).utf8)
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

    /// The render under `key`: from the render cache, else made once however many requests
    /// ask at the same time (`source` gives the input bytes), and handed to the cache.
    private func cachedRender(
        _ key: RenderCacheKey, parameters: RenderParameters, entityTag: String, lastModified: Date?,
        source: @escaping @Sendable () async throws -> [UInt8]
    ) async throws(AvatarError) -> RenderedAvatar {
        func answer(_ render: CachedRender, _ origin: RenderedAvatar.Source) -> RenderedAvatar {
            RenderedAvatar(
                bytes: render.bytes, contentType: render.contentType, entityTag: entityTag, lastModified: lastModified,
                source: origin)
        }
        if let cached = cache.get(key) { return answer(cached, .cache) }
        do {
            let rendered = try await coalescer.render(key, recheck: { cache.pending(key) }) {
                let input = try await source()
                self.metrics.renders.increment()
                let image = try await self.pipeline.render(original: input, parameters: parameters)
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
