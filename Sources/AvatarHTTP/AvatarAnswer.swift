import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// The answer to a GET or HEAD of an avatar or a default, independent of the transport:
/// made only by `AnswerDecision`, returned by the router as a `Response` and written by
/// `EventLoopAnswers` as NIO parts, so both paths send the same bytes.
public struct AvatarAnswer: Sendable, Equatable {
    /// `200`, `304`, `302` or `404`.
    public var status: HTTPResponse.Status
    /// Every header field but `Date`, which the connection stamps as it writes
    /// (`ResponseDate`), from one clock for every response.
    public var fields: HTTPFields
    /// `nil` when nothing follows the head (HEAD, `304`, `302`).
    public var body: ByteBuffer?

    /// The router's form.
    var response: Response {
        var response = Response(status: status, body: body.map { ResponseBody(byteBuffer: $0) } ?? ResponseBody())
        // Exactly the decided fields: Hummingbird would add `Content-Length: 0` to a `304`.
        response.headers = fields
        return response
    }

    /// The HTTP/1 head NIO's encoder writes.
    var head: HTTPResponseHead {
        HTTPResponseHead(
            version: .http1_1, status: HTTPResponseStatus(statusCode: status.code, reasonPhrase: status.reasonPhrase),
            headers: HTTPHeaders(fields))
    }
}
