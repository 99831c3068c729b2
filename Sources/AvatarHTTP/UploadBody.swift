import AvatarCore
import Foundation
import Hummingbird
import MultipartKit
import NIOHTTP1

/// An upload's image and the fields that may travel with it in a form.
struct UploadBody {
    var image: [UInt8]
    /// A `token` form field (the original service's clients send it that way).
    var token: String?
    /// An `r` or `rating` form field.
    var rating: String?

    /// Reads the body, at most `limit` bytes: `multipart/form-data` with the file in field
    /// `avatar`, or the raw image. With `formToken`, the upload's token must come in a
    /// form field before the file: the form is read as it streams in, the token checked
    /// by `formToken` as soon as its field ends, and a file part before it is `401`.
    static func read(
        _ request: Request, limit: Int, formToken: (@Sendable (String) async throws(AvatarError) -> Void)?
    ) async throws(AvatarError) -> UploadBody {
        guard let boundary = multipartBoundary(request.headers[.contentType]) else {
            guard formToken == nil else { throw .unauthorized(reason: "an upload token is required") }
            return UploadBody(image: Array(try await collect(request, limit: limit).readableBytesView))
        }
        guard !boundary.isEmpty else { throw .invalidParameter(name: "body", reason: "the multipart boundary is empty") }
        let form = FormReader(boundary: boundary)
        var received = 0
        var tokenChecked = formToken == nil
        do {
            for try await chunk in request.body {
                received += chunk.readableBytes
                guard received <= limit else { throw AvatarError.payloadTooLarge(limit: limit) }
                try form.execute(chunk)
                if !tokenChecked, let formToken {
                    if let token = form.text("token") {
                        try await formToken(token)
                        tokenChecked = true
                    } else if form.hasStarted("avatar") {
                        throw AvatarError.unauthorized(reason: "the form's token field must come before its avatar file")
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
        guard tokenChecked else { throw .unauthorized(reason: "an upload token is required") }
        guard let avatar = form.file("avatar") else {
            throw .invalidParameter(name: "avatar", reason: "the form has no `avatar` file field")
        }
        return UploadBody(image: avatar, token: form.text("token"), rating: form.text("r") ?? form.text("rating"))
    }

    private static func collect(_ request: Request, limit: Int) async throws(AvatarError) -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw .payloadTooLarge(limit: limit)
        } catch {
            throw .invalidParameter(name: "body", reason: "the upload body could not be read")
        }
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

/// A multipart form parsed as it arrives: which parts have started and which have ended.
private final class FormReader {
    struct Malformed: Error {}

    private let parser: MultipartParser
    private var parts: [MultipartPart] = []
    private var headers = HTTPHeaders()
    private var body = ByteBuffer()
    /// The field name of the part being read, once its headers name it.
    private var current: String?

    init(boundary: String) {
        parser = MultipartParser(boundary: boundary)
        parser.onHeader = { [unowned self] name, value in
            headers.add(name: name, value: value)
            current = MultipartPart(headers: headers, body: ByteBuffer()).name
        }
        parser.onBody = { [unowned self] chunk in body.writeBuffer(&chunk) }
        parser.onPartComplete = { [unowned self] in
            parts.append(MultipartPart(headers: headers, body: body))
            headers = HTTPHeaders()
            body = ByteBuffer()
            current = nil
        }
    }

    func execute(_ chunk: ByteBuffer) throws {
        do { try parser.execute(chunk) } catch { throw Malformed() }
    }

    /// The text of the ended field `name`.
    func text(_ name: String) -> String? {
        parts.firstPart(named: name).map { String(buffer: $0.body) }
    }

    /// The bytes of the ended file field `name`.
    func file(_ name: String) -> [UInt8]? {
        parts.firstPart(named: name).map { Array($0.body.readableBytesView) }
    }

    /// Whether a part named `name` has begun (or ended).
    func hasStarted(_ name: String) -> Bool {
        current == name || parts.firstPart(named: name) != nil
    }
}
