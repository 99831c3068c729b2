import DefaultAvatars

/// Operator settings of the HTTP API (`images.*` sizes and limits, `cacheControl.*`).
public struct HTTPSettings: Sendable, Equatable {
    /// What unknown hashes get when the request names no default (`images.default`).
    public var defaultImage = DefaultImage.generated(.mysteryPerson)
    public var defaultSize = 80
    public var maxSize = 2048
    public var maxUploadBytes = 10 * 1024 * 1024
    public var cacheControl = CacheControlPolicy()

    public init() {}
}

/// `Cache-Control` values by kind of response.
public struct CacheControlPolicy: Sendable, Equatable {
    /// For URLs naming the current version with `v=`: the bytes can never change.
    public var versioned = "public, max-age=31536000, immutable"
    /// For URLs without a version: may change on re-upload.
    public var unversioned =
        "public, max-age=3600, s-maxage=86400, stale-while-revalidate=86400, stale-if-error=604800"
    /// For unknown avatars.
    public var missing = "public, max-age=300"
    /// For server errors, which must never be cached.
    public let serverError = "no-store"

    public init() {}
}
