/// Every failure a request can meet, typed so that one place (the HTTP layer's error
/// mapping) turns each into a status and a short JSON body.
public enum AvatarError: Error, Sendable, Equatable {
    /// The path's hash is not 32, 40 or 64 hex characters.
    case invalidHash
    /// A query or form parameter is malformed; `name` says which.
    case invalidParameter(name: String, reason: String)
    /// The upload exceeds `images.maxUploadBytes`.
    case payloadTooLarge(limit: Int)
    /// Missing, malformed, expired or badly signed token.
    case unauthorized(reason: String)
    /// A valid token issued for another hash.
    case forbidden
    /// An upload of zero bytes.
    case emptyBody
    /// Not an accepted image format (by magic bytes).
    case unsupportedMediaType
    /// A recognised format refused for what its bytes hold.
    case unprocessableImage(ImageRefusal)
    /// No avatar under this hash.
    case notFound
    /// The avatar changed while a change based on what it was ran (a re-crop racing an upload).
    case conflict
    /// Too many renders are waiting for their set of render threads (`images.maxPendingRenders`).
    case overloaded
    /// A render did not finish within `images.renderTimeoutSeconds`.
    case renderTimeout
    /// A store could not be reached; retry later.
    case storageUnavailable(reason: String)
    /// Something on our side failed; the client cannot fix it by changing the request.
    case internalFailure(reason: String)
}

extension AvatarError {
    /// Whether a store may have done what it was asked although this error came back (a
    /// deadline passed or a connection broke mid-call), so nothing may be undone on the
    /// assumption that it did not.
    public var outcomeMayBeUnknown: Bool {
        if case .storageUnavailable = self { return true }
        return false
    }

    /// A render or inspection could not be finished for a reason that is not the input's
    /// fault (the original was validated at upload).
    public static func renderFailed(_ reason: String) -> AvatarError { .internalFailure(reason: reason) }
}
