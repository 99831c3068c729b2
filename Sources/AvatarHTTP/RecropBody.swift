import AvatarCore
import Foundation
import Hummingbird

/// The `crop` a re-crop's body may carry: a JSON member, a urlencoded or multipart form field.
enum RecropBody {
    /// A re-crop body holds one short field; anything longer is not one.
    static let limit = 16 * 1024

    private struct Fields: Decodable {
        var crop: String?
    }

    /// The body's `crop`, `nil` when it has none (or no body at all).
    static func crop(_ request: Request) async throws(AvatarError) -> String? {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw .payloadTooLarge(limit: limit)
        } catch {
            throw .invalidParameter(name: "body", reason: "the body could not be read")
        }
        guard body.readableBytes > 0 else { return nil }
        do {
            if contentType.hasPrefix("application/json") {
                return try JSONDecoder().decode(Fields.self, from: Data(body.readableBytesView)).crop
            }
            if contentType.hasPrefix("application/x-www-form-urlencoded") {
                return try URLEncodedFormDecoder().decode(Fields.self, from: String(buffer: body)).crop
            }
            if let boundary = UploadBody.multipartBoundary(request.headers[.contentType]), !boundary.isEmpty {
                let form = FormReader(boundary: boundary)
                try form.execute(body)
                return form.text("crop")
            }
        } catch {
            throw .invalidParameter(name: "body", reason: "the body is not a JSON object, or form, with a text `crop`")
        }
        throw .invalidParameter(
            name: "body", reason: "send crop as a query parameter, JSON, or a urlencoded or multipart form field")
    }
}
