import AvatarCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging

extension AvatarError {
    /// The short code the error's JSON body names (`unsupported_media_type`, ...), for other
    /// reports of the same failure (`avatars import`).
    public var code: String { ErrorResponse(self).code }
    /// The plain words the error's JSON body says.
    public var message: String { ErrorResponse(self).message }
}

/// The one place failures become HTTP: a status, a short JSON body
/// `{"error": code, "message": text}` and the headers that go with them.
struct ErrorResponse {
    let status: HTTPResponse.Status
    let code: String
    let message: String
    var headers: HTTPFields = [:]

    init(_ error: AvatarError) {
        switch error {
        case .invalidHash:
            self.init(status: .badRequest, code: "invalid_hash", message: "the hash must be 32, 40 or 64 hex characters")
        case .invalidParameter(let name, let reason):
            self.init(status: .badRequest, code: "invalid_parameter", message: "\(name): \(reason)")
        case .payloadTooLarge(let limit):
            self.init(status: .contentTooLarge, code: "payload_too_large", message: "uploads are limited to \(limit) bytes")
        case .unauthorized(let reason):
            self.init(
                status: .unauthorized, code: "unauthorized", message: reason,
                headers: [.wwwAuthenticate: "Bearer realm=\"avatars\""])
        case .forbidden:
            self.init(status: .forbidden, code: "forbidden", message: "the token was issued for another hash")
        case .unsupportedMediaType:
            self.init(
                status: .unsupportedMediaType, code: "unsupported_media_type",
                message: "uploads must be JPEG, PNG, WebP, GIF or AVIF/HEIF images")
        case .emptyBody:
            self.init(status: .badRequest, code: "empty_body", message: "the upload is empty")
        case .unprocessableImage(let refusal):
            self.init(status: .unprocessableContent, code: "unprocessable_image", message: refusal.message)
        case .notFound:
            self.init(status: .notFound, code: "not_found", message: "no avatar is stored under this hash")
        case .conflict:
            self.init(
                status: .conflict, code: "conflict", message: "the avatar changed while this request ran; read it again and retry")
        case .overloaded:
            self.init(
                status: .serviceUnavailable, code: "overloaded",
                message: "too many renders are waiting; retry shortly", headers: [.retryAfter: "1"])
        case .renderTimeout:
            self.init(
                status: .serviceUnavailable, code: "render_timeout",
                message: "the render did not finish in time; retry shortly", headers: [.retryAfter: "1"])
        case .storageUnavailable:
            self.init(
                status: .serviceUnavailable, code: "storage_unavailable",
                message: "storage is unavailable, retry later", headers: [.retryAfter: "5"])
        case .internalFailure:
            self.init(status: .internalServerError, code: "internal_error", message: "the server failed; retry later")
        }
    }

    init(status: HTTPResponse.Status, code: String, message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    /// Errors Hummingbird itself raises (no route, body over the limit, bad request line).
    init(_ error: any HTTPResponseError) {
        switch error.status {
        case .notFound:
            self.init(.notFound)
        case .contentTooLarge:
            self.init(status: .contentTooLarge, code: "payload_too_large", message: "the upload is too large")
        case .methodNotAllowed:
            self.init(status: .methodNotAllowed, code: "method_not_allowed", message: "method not allowed")
        case let status where status.kind == .serverError:
            self.init(status: status, code: "internal_error", message: "the server failed; retry later")
        case let status:
            self.init(status: status, code: "bad_request", message: status.reasonPhrase)
        }
    }

    /// The error's own header fields, its content type and caching policy.
    func fields(cacheControl: CacheControlPolicy) -> HTTPFields {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        fields[.cacheControl] =
            switch status {
            case .notFound: cacheControl.missing
            default: cacheControl.serverError
            }
        return fields
    }

    /// `{"error": code, "message": text}`.
    var body: ByteBuffer {
        ByteBuffer(string: #"{"error":\#(Self.quoted(code)),"message":\#(Self.quoted(message))}"#)
    }

    /// The error as an answer of its own, written below the router (a refused head, a
    /// `404` default): its fields, `Content-Length`, the common headers and the body.
    func answer(cacheControl: CacheControlPolicy, serverName: String) -> AvatarAnswer {
        var fields = fields(cacheControl: cacheControl)
        let body = body
        fields[.contentLength] = String(body.readableBytes)
        CommonHeaders.add(to: &fields, serverName: serverName)
        return AvatarAnswer(status: status, fields: fields, body: body)
    }

    func response(cacheControl: CacheControlPolicy) -> Response {
        Response(status: status, headers: fields(cacheControl: cacheControl), body: .init(byteBuffer: body))
    }

    private static func quoted(_ text: String) -> String {
        let data = (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

/// Turns every error a route throws into its `ErrorResponse`, and anything untyped into a
/// logged 500. HEAD requests get the same status and headers with no body.
struct ErrorMiddleware: RouterMiddleware {
    let cacheControl: CacheControlPolicy

    func handle(
        _ request: Request, context: AvatarRequestContext,
        next: (Request, AvatarRequestContext) async throws -> Response
    ) async throws -> Response {
        let response: Response
        do {
            return try await next(request, context)
        } catch where Task.isCancelled {
            // The client has gone (`ClientGoneHandler`) and its work was stopped: whatever
            // failed, nobody reads this answer, and it is no failure of ours to log.
            context.logger.debug("request abandoned by its client", metadata: ["error": "\(error)"])
            response = ErrorResponse(.overloaded).response(cacheControl: cacheControl)
        } catch let error as AvatarError {
            if case .internalFailure(let reason) = error {
                context.logger.error("internal failure", metadata: ["reason": "\(reason)"])
            }
            if case .storageUnavailable(let reason) = error {
                context.logger.error("storage unavailable", metadata: ["reason": "\(reason)"])
            }
            response = ErrorResponse(error).response(cacheControl: cacheControl)
        } catch let error as any HTTPResponseError {
            response = ErrorResponse(error).response(cacheControl: cacheControl)
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(error)"])
            response = ErrorResponse(.internalFailure(reason: "\(error)")).response(cacheControl: cacheControl)
        }
        return request.method == .head ? response.createHeadResponse() : response
    }
}
