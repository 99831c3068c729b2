import AvatarCore
import Foundation
import Hummingbird
import MultipartKit
import NIOHTTP1

/// An upload's image and the fields that may travel with it in a form.
struct UploadBody {
    var image: [UInt8]
    /// An `r` or `rating` form field.
    var rating: String?
    /// A `crop` form field.
    var crop: String?

    /// Most of a form read before its token is known: room for the token and a few small fields.
    static let maxBytesBeforeToken = 16 * 1024

    /// Reads the body, at most `limit` bytes: `multipart/form-data` with the file in field
    /// `avatar`, or the raw image. With `formToken`, the upload's token must come in a
    /// form field before the file: the form is read as it streams in, the token checked
    /// by `formToken` as soon as its field ends, and a file part before it is `401`.
    /// What the head alone refuses (no place for a token, a `Content-Length` over `limit`)
    /// is refused before `willRead` and before a byte of the body is read.
    static func read(
        _ request: Request, limit: Int, formToken: (@Sendable (String) async throws(AvatarError) -> Void)?,
        willRead: () -> Void
    ) async throws(AvatarError) -> UploadBody {
        let boundary = multipartBoundary(request.headers[.contentType])
        guard boundary != nil || formToken == nil else { throw .unauthorized(reason: "an upload token is required") }
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit {
            throw .payloadTooLarge(limit: limit)
        }
        guard boundary?.isEmpty != true else {
            throw .invalidParameter(name: "body", reason: "the multipart boundary is empty")
        }
        willRead()
        let form = boundary.map(FormReader.init)
        var raw = ByteBuffer()
        var received = 0
        var tokenChecked = formToken == nil
        do {
            for try await chunk in request.body {
                received += chunk.readableBytes
                guard received <= limit else { throw AvatarError.payloadTooLarge(limit: limit) }
                guard let form else {
                    raw.writeImmutableBuffer(chunk)
                    continue
                }
                try form.execute(chunk)
                if !tokenChecked, let formToken {
                    guard !form.fileBeforeToken else {
                        throw AvatarError.unauthorized(reason: "the form's token field must come before its avatar file")
                    }
                    if let token = form.text("token") {
                        try await formToken(token)
                        tokenChecked = true
                    } else if received > Self.maxBytesBeforeToken {
                        throw AvatarError.unauthorized(reason: "the form's token field must come first")
                    }
                }
            }
        } catch let error as AvatarError {
            throw error
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw .payloadTooLarge(limit: limit)
        } catch is FormReader.Malformed {
            throw .invalidParameter(name: "body", reason: "the multipart form is malformed")
        } catch {
            throw .invalidParameter(name: "body", reason: "the upload body could not be read")
        }
        guard let form else { return UploadBody(image: Array(raw.readableBytesView)) }
        guard tokenChecked else { throw .unauthorized(reason: "an upload token is required") }
        guard let avatar = form.file("avatar") else {
            throw .invalidParameter(name: "avatar", reason: "the form has no `avatar` file field")
        }
        return UploadBody(image: avatar, rating: form.text("r") ?? form.text("rating"), crop: form.text("crop"))
    }

    static func multipartBoundary(_ contentType: String?) -> String? {
        guard let contentType else { return nil }
        let parts = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.first?.lowercased() == "multipart/form-data" else { return nil }
        for part in parts.dropFirst() where part.lowercased().hasPrefix("boundary=") {
            let value = part.dropFirst("boundary=".count)
            return String(value.trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
        }
        return nil
    }
}

/// A multipart form parsed as it arrives, in work linear in its bytes: each part's name is
/// read once, from its `Content-Disposition`, and a form of more parts or headers than an
/// upload form has is malformed.
final class FormReader {
    struct Malformed: Error {}

    static let maxParts = 16
    static let maxHeadersPerPart = 16

    private let parser: MultipartParser
    /// Ended parts by name; the first of a name wins.
    private var ended: [String: ByteBuffer] = [:]
    private var partCount = 0
    private var headerCount = 0
    private var body = ByteBuffer()
    /// The field name of the part being read, once its headers name it.
    private var current: String?
    private var failed = false
    /// Whether the `avatar` part began before a `token` part had ended.
    private(set) var fileBeforeToken = false

    init(boundary: String) {
        parser = MultipartParser(boundary: boundary)
        parser.onHeader = { [unowned self] name, value in
            headerCount += 1
            if headerCount > Self.maxHeadersPerPart { failed = true }
            guard name.lowercased() == "content-disposition", current == nil else { return }
            current = MultipartPart(headers: HTTPHeaders([(name, value)]), body: ByteBuffer()).name
            if current == "avatar", ended["token"] == nil { fileBeforeToken = true }
        }
        parser.onBody = { [unowned self] chunk in body.writeBuffer(&chunk) }
        parser.onPartComplete = { [unowned self] in
            partCount += 1
            if partCount > Self.maxParts { failed = true }
            if let current, ended[current] == nil { ended[current] = body }
            headerCount = 0
            body = ByteBuffer()
            current = nil
        }
    }

    func execute(_ chunk: ByteBuffer) throws {
        do { try parser.execute(chunk) } catch { throw Malformed() }
        if failed { throw Malformed() }
    }

    /// The text of the ended field `name`.
    func text(_ name: String) -> String? {
        ended[name].map { String(buffer: $0) }
    }

    /// The bytes of the ended file field `name`.
    func file(_ name: String) -> [UInt8]? {
        ended[name].map { Array($0.readableBytesView) }
    }
}
