import AvatarService
import Foundation
import HTTPTypes
import HummingbirdCore
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// Answers cache hits on the event loop. Hummingbird hands every request to a Swift task
/// and its response back to the event loop, converting both between NIO's HTTP/1 types and
/// Swift HTTP types; for a render this node already holds, that is most of the work. A GET
/// or HEAD whose record is in the in-memory metadata cache and whose render is in the
/// render cache (or whose client copy is current: `304`) is answered here, with the
/// router's own parser (`RenderRequest`), decision (`RenderPlan`) and headers
/// (`ResponseHeaders`); the head of a `200` is then kept encoded for the next request for
/// the same target (`EncodedResponseHeads`). Every other request passes on untouched, and
/// none is answered here while one passed on is still unanswered, so responses keep their
/// order.
public final class CacheHitResponder: Sendable {
    /// What the handler writes: parts for NIO's HTTP/1 encoder, or a head encoded before.
    enum Answer {
        case parts(HTTPResponseHead, body: ByteBuffer?)
        case encoded(head: ByteBuffer, dateAndEnd: ByteBuffer, body: ByteBuffer?)
    }

    let service: AvatarService
    let settings: HTTPSettings
    let metrics: RequestMetrics
    let serverName: String
    private let encodedHeads = EncodedResponseHeads(capacity: 10_000)

    init(service: AvatarService, settings: HTTPSettings, metrics: RequestMetrics, serverName: String) {
        self.service = service
        self.settings = settings
        self.metrics = metrics
        self.serverName = serverName
    }

    /// A channel handler for one connection, to go between NIO's HTTP/1 codec and the
    /// conversion to Swift HTTP types (`AvatarHTTPChannel`).
    func handler() -> CacheHitHandler {
        CacheHitHandler(responder: self)
    }

    /// The complete answer to `head` when it can be given without waiting, else `nil`;
    /// `.encoded` only when `canSendEncoded`.
    func answer(_ head: HTTPRequestHead, canSendEncoded: Bool) -> (answer: Answer, status: Int, route: String)? {
        guard head.method == .GET || head.method == .HEAD,
            // Connection management (close, HTTP/1.0) stays with the router; so do
            // absolute-form targets, which the router sees as their path.
            head.version == .http1_1, !head.headers.contains(name: "connection"), head.uri.utf8.first == UInt8(ascii: "/")
        else { return nil }
        let conditional = head.headers.contains(name: "if-none-match") || head.headers.contains(name: "if-modified-since")
        if canSendEncoded, !conditional, let encoded = encodedAnswer(head) { return encoded }

        let uri = URI(head.uri)
        let (route, name) =
            uri.path.hasPrefix("/avatar/")
            ? ("/avatar/{name}", uri.path.dropFirst("/avatar/".count)) : ("/{name}", uri.path.dropFirst())
        guard !name.isEmpty, !name.utf8.contains(UInt8(ascii: "/")),
            let request = try? RenderRequest(name: String(name), query: uri.queryParameters, settings: settings),
            case .some(let record?) = service.recordInMemory(for: request.hash),
            let plan = RenderPlan(request, record: record, pipeline: service.pipeline, settings: settings)
        else { return nil }

        if plan.isNotModified(head.headers) {
            return (.parts(dated(response(.notModified, plan.validators)), body: nil), 304, route)
        }
        guard let rendered = service.renderInCache(record, parameters: plan.parameters) else { return nil }
        var fields = ResponseHeaders.image(rendered, cacheControl: plan.cacheControl)
        fields[.contentLength] = String(rendered.bytes.readableBytes)
        let responseHead = response(.ok, fields)
        if canSendEncoded, !conditional {
            encodedHeads.store(
                responseHead, for: head.uri, hash: request.hash, record: record, parameters: plan.parameters, route: route,
                contentLength: rendered.bytes.readableBytes)
        }
        return (.parts(dated(responseHead), body: head.method == .HEAD ? nil : rendered.bytes), 200, route)
    }

    /// A `200` from a head encoded before, when its record and render still hold.
    private func encodedAnswer(_ head: HTTPRequestHead) -> (answer: Answer, status: Int, route: String)? {
        guard let entry = encodedHeads.entry(for: head.uri),
            case .some(let record?) = service.recordInMemory(for: entry.hash), record == entry.record,
            let rendered = service.renderInCache(record, parameters: entry.parameters),
            rendered.bytes.readableBytes == entry.contentLength
        else { return nil }
        let body = head.method == .HEAD ? nil : rendered.bytes
        return (.encoded(head: entry.head, dateAndEnd: encodedHeads.dateAndEnd(), body: body), 200, entry.route)
    }

    /// `head` with the current `Date`, which every response carries.
    private func dated(_ head: HTTPResponseHead) -> HTTPResponseHead {
        var head = head
        head.headers.add(name: "Date", value: HTTPDate.now())
        return head
    }

    /// A head with the headers every response carries but `Date`.
    private func response(_ status: HTTPResponseStatus, _ fields: HTTPFields) -> HTTPResponseHead {
        var fields = fields
        ResponseHeaders.addCommon(to: &fields)
        fields[.server] = serverName
        return HTTPResponseHead(version: .http1_1, status: status, headers: HTTPHeaders(fields))
    }
}

/// One connection's side of `CacheHitResponder`.
final class CacheHitHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let responder: CacheHitResponder
    /// Requests passed to the router whose responses have not ended yet.
    private var passedOn = 0
    /// Whether the body and end of a request answered here are still to be read.
    private var answered = false
    /// Whether anything has been read on to the router since the last read-complete.
    private var readsPassedOn = false
    /// The HTTP/1 encoder's place in the pipeline: bytes written from there go straight to
    /// the socket, which is how an encoded head is sent.
    private var encoder: ChannelHandlerContext?

    init(responder: CacheHitResponder) {
        self.responder = responder
    }

    func handlerAdded(context: ChannelHandlerContext) {
        encoder = try? context.pipeline.syncOperations.context(handlerType: HTTPResponseEncoder.self)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        encoder = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            let start = ContinuousClock.now
            if passedOn == 0, let (answer, status, route) = responder.answer(head, canSendEncoded: encoder != nil) {
                answered = true
                write(answer, context: context)
                responder.metrics.record(route: route, method: head.method.rawValue, status: status, since: start)
            } else {
                passedOn += 1
                readsPassedOn = true
                context.fireChannelRead(data)
            }
        case .body, .end:
            if answered {
                if case .end = unwrapInboundIn(data) { answered = false }
            } else {
                readsPassedOn = true
                context.fireChannelRead(data)
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // With nothing read on since the last one, the handlers behind have nothing to
        // deliver, and the event would only cost a trip through them.
        guard readsPassedOn else { return }
        readsPassedOn = false
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { passedOn = max(0, passedOn - 1) }
        context.write(data, promise: promise)
    }

    private func write(_ answer: CacheHitResponder.Answer, context: ChannelHandlerContext) {
        switch answer {
        case .encoded(let head, let dateAndEnd, let body):
            // Below the encoder, which keeps no state between responses of known length.
            guard let encoder else { return }
            encoder.write(NIOAny(IOData.byteBuffer(head)), promise: nil)
            encoder.write(NIOAny(IOData.byteBuffer(dateAndEnd)), promise: nil)
            if let body { encoder.write(NIOAny(IOData.byteBuffer(body)), promise: nil) }
            context.flush()
        case .parts(let head, let body):
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            if let body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
