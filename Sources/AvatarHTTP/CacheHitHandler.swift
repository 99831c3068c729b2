import AvatarService
import Foundation
import HTTPTypes
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

/// Answers cache hits on the event loop. Hummingbird hands every request to a Swift task
/// and its response back to the event loop; for a render this node already holds, that
/// round trip is most of the work (measured here: about 40 of 80 µs of server CPU per
/// request). A GET or HEAD whose record is in the in-memory metadata cache and whose render
/// is in the render cache (or whose client copy is current: `304`) is answered here, with the
/// router's own parser (`RenderRequest`), decision (`RenderPlan`) and headers
/// (`ResponseHeaders`). Every other request passes to the router untouched, and none is
/// answered here while one passed on is still unanswered, so responses keep their order.
public final class CacheHitResponder: Sendable {
    let service: AvatarService
    let settings: HTTPSettings
    let metrics: RequestMetrics
    let serverName: String

    init(service: AvatarService, settings: HTTPSettings, metrics: RequestMetrics, serverName: String) {
        self.service = service
        self.settings = settings
        self.metrics = metrics
        self.serverName = serverName
    }

    /// A channel handler for one connection, to go right after HTTP decoding
    /// (Hummingbird's `additionalChannelHandlers`).
    public func handler() -> any RemovableChannelHandler {
        CacheHitHandler(responder: self)
    }

    /// The complete answer to `head` when it can be given without waiting, else `nil`.
    func answer(_ head: HTTPRequest) -> (response: HTTPResponse, body: ByteBuffer?, route: String)? {
        guard head.method == .get || head.method == .head,
            // Connection management (close, HTTP/1.0 keep-alive) stays with the router.
            head.headerFields[.connection] == nil,
            let target = head.path
        else { return nil }
        let uri = URI(target)
        let (route, name) =
            uri.path.hasPrefix("/avatar/")
            ? ("/avatar/{name}", uri.path.dropFirst("/avatar/".count)) : ("/{name}", uri.path.dropFirst())
        guard !name.isEmpty, !name.contains("/"),
            let request = try? RenderRequest(name: String(name), query: uri.queryParameters, settings: settings),
            case .some(let record?) = service.recordInMemory(for: request.hash),
            let plan = RenderPlan(request, record: record, pipeline: service.pipeline, settings: settings)
        else { return nil }

        if plan.isNotModified(head.headerFields) {
            return (response(.notModified, plan.validators), nil, route)
        }
        guard let rendered = service.renderInCache(record, parameters: plan.parameters) else { return nil }
        var fields = ResponseHeaders.image(rendered, cacheControl: plan.cacheControl)
        fields[.contentLength] = String(rendered.bytes.readableBytes)
        return (response(.ok, fields), head.method == .head ? nil : rendered.bytes, route)
    }

    private func response(_ status: HTTPResponse.Status, _ fields: HTTPFields) -> HTTPResponse {
        var fields = fields
        ResponseHeaders.addCommon(to: &fields)
        fields[.date] = HTTPDate.format(Date())
        fields[.server] = serverName
        return HTTPResponse(status: status, headerFields: fields)
    }
}

/// One connection's side of `CacheHitResponder`.
final class CacheHitHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let responder: CacheHitResponder
    /// Requests passed to the router whose responses have not ended yet.
    private var passedOn = 0
    /// Whether the body and end of a request answered here are still to be read.
    private var answered = false

    init(responder: CacheHitResponder) {
        self.responder = responder
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            let start = ContinuousClock.now
            if passedOn == 0, let answer = responder.answer(head) {
                answered = true
                context.write(wrapOutboundOut(.head(answer.response)), promise: nil)
                if let body = answer.body { context.write(wrapOutboundOut(.body(body)), promise: nil) }
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                responder.metrics.record(
                    route: answer.route, method: head.method.rawValue, status: answer.response.status.code, since: start)
            } else {
                passedOn += 1
                context.fireChannelRead(data)
            }
        case .body, .end:
            if answered {
                if case .end = unwrapInboundIn(data) { answered = false }
            } else {
                context.fireChannelRead(data)
            }
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { passedOn = max(0, passedOn - 1) }
        context.write(data, promise: promise)
    }
}
