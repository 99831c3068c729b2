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
    /// `avatar`, or the raw image.
    static func read(_ request: Request, limit: Int) async throws(AvatarError) -> UploadBody {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw .payloadTooLarge(limit: limit)
        } catch {
            throw .invalidParameter(name: "body", reason: "the upload body could not be read")
        }
        guard let boundary = multipartBoundary(request.headers[.contentType]) else {
            return UploadBody(image: Array(buffer.readableBytesView))
        }
        return try parseForm(buffer, boundary: boundary)
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

    private static func parseForm(_ buffer: ByteBuffer, boundary: String) throws(AvatarError) -> UploadBody {
        guard !boundary.isEmpty else { throw .invalidParameter(name: "body", reason: "the multipart boundary is empty") }
        var parts: [MultipartPart] = []
        var headers = HTTPHeaders()
        var body = ByteBuffer()
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in headers.add(name: name, value: value) }
        parser.onBody = { chunk in body.writeBuffer(&chunk) }
        parser.onPartComplete = {
            parts.append(MultipartPart(headers: headers, body: body))
            headers = HTTPHeaders()
            body = ByteBuffer()
        }
        do {
            try parser.execute(buffer)
        } catch {
            throw .invalidParameter(name: "body", reason: "the multipart form is malformed")
        }
        guard let avatar = parts.firstPart(named: "avatar") else {
            throw .invalidParameter(name: "avatar", reason: "the form has no `avatar` file field")
        }
        func text(_ name: String) -> String? {
            parts.firstPart(named: name).map { String(buffer: $0.body) }
        }
        return UploadBody(
            image: Array(avatar.body.readableBytesView), token: text("token"), rating: text("r") ?? text("rating"))
    }
}
