import AvatarCore
import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1

/// One HTTP/1 connection's handler between NIO's codec and the conversion to Swift HTTP
/// types (`AvatarHTTPChannel`). It enforces the connection's guards (`ConnectionGuard`:
/// head, body and idle deadlines, head limits; and write backpressure: while the peer
/// does not read, no more requests are read), answers what `EventLoopAnswers` can answer
/// from memory, passes everything else on to the router, and stamps `Date` on every head.
/// A request is answered here only when no request passed on is unanswered, so responses
/// keep their order.
final class AvatarConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let answers: EventLoopAnswers
    /// What this connection's event loop shares between its connections.
    private let perLoop: EventLoopAnswers.PerLoop
    private var connection: ConnectionGuard
    /// Requests passed to the router whose responses have not ended.
    private var passedOn = 0
    /// Whether the body and end of a request answered here are still to be read.
    private var answered = false
    /// Whether anything has been read on to the router since the last read-complete.
    private var readsPassedOn = false
    /// A read asked for while the channel was not writable, to be made once it is.
    private var readHeld = false
    /// Whether the connection is closing after an answer to a bad head.
    private var refusing = false
    /// Whether the body of the request passed on is still to be read.
    private var bodyUnread = false
    /// Whether that request may get a `100 Continue`: HTTP/1.1 or later, as HTTP/1.0 has
    /// no interim answers.
    private var mayContinue = false
    /// Whether the response being written was decided before its request's body was read:
    /// it goes out with `Connection: close`, since the unread body is not worth reading.
    private var closeAfterResponse = false
    /// Whether the connection has sent its last response and only drains the peer's bytes.
    private var lingering = false
    /// The last response's write, which a lingering close waits for.
    private var lingerWritten: EventLoopFuture<Void>?
    private var deadlineTask: Scheduled<Void>?
    private var scheduledDeadline: NIODeadline?
    /// The HTTP/1 encoder's place in the pipeline: bytes written from there go straight to
    /// the socket, which is how an encoded head is replayed.
    private var encoder: ChannelHandlerContext?
    private var context: ChannelHandlerContext?
    /// Asks for an interim `100 Continue` to the request being read, unless its answer has
    /// begun or its body has already arrived.
    struct SendContinue: Sendable {}

    /// How long a connection that answered before reading a body keeps draining the
    /// peer's bytes after its last response, so a peer still sending reads that response
    /// rather than a reset.
    static let lingerTime = TimeAmount.seconds(2)

    /// The observer before the decoder: it reports raw bytes, and whether the request line
    /// is unfinished.
    private let observer: InboundBytesObserver
    private let logger: Logger

    init(
        answers: EventLoopAnswers, perLoop: EventLoopAnswers.PerLoop, settings: ConnectionSettings,
        observer: InboundBytesObserver, logger: Logger
    ) {
        self.answers = answers
        self.perLoop = perLoop
        self.connection = ConnectionGuard(settings: settings, now: .now())
        self.observer = observer
        self.logger = logger
        observer.arrived = { [weak self] in self?.bytesArrived() }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        encoder = try? context.pipeline.syncOperations.context(handlerType: HTTPResponseEncoder.self)
        rescheduleDeadline(context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        deadlineTask?.cancel()
        deadlineTask = nil
        encoder = nil
        self.context = nil
        observer.arrived = nil
    }

    /// Raw bytes came in, before the decoder has seen them.
    private func bytesArrived() {
        connection.bytesArrived(at: .now())
        if let context { rescheduleDeadline(context) }
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if lingering, case .end = unwrapInboundIn(data) { return closeAfterLinger(context) }
        guard !refusing, !lingering else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            let now = NIODeadline.now()
            connection.headArrived(at: now)
            if let limit = connection.limit(of: head) {
                // Behind a response still owed, an answer now would come out of order.
                guard passedOn == 0 else { return context.close(promise: nil) }
                refuse(limit == .targetTooLong ? .uriTooLong : .requestHeaderFieldsTooLarge, context: context)
                return
            }
            let start = ContinuousClock.now
            if passedOn == 0, context.channel.isWritable,
                let (replay, status, route) = answers.answer(head, cache: perLoop.cache, canReplayEncoded: encoder != nil)
            {
                answered = true
                write(replay, context: context)
                connection.responseEnded(at: now)
                answers.metrics.recordAnswer(
                    route: route, method: head.method.rawValue, status: status, since: start, in: perLoop.metrics)
            } else {
                passedOn += 1
                bodyUnread = Self.hasBody(head)
                mayContinue = head.version.major > 1 || (head.version.major == 1 && head.version.minor >= 1)
                readsPassedOn = true
                context.fireChannelRead(data)
            }
        case .body:
            connection.bytesArrived(at: .now())
            if !answered {
                readsPassedOn = true
                context.fireChannelRead(data)
            }
        case .end:
            connection.requestEnded()
            observer.requestEnded()
            if answered {
                answered = false
            } else {
                bodyUnread = false
                readsPassedOn = true
                context.fireChannelRead(data)
            }
        }
        rescheduleDeadline(context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // With nothing read on since the last one, the handlers behind have nothing to
        // deliver, and the event would only cost a trip through them.
        guard readsPassedOn else { return }
        readsPassedOn = false
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        connection.writabilityChanged(writable: context.channel.isWritable, at: .now())
        rescheduleDeadline(context)
        if context.channel.isWritable, readHeld {
            readHeld = false
            context.read()
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A head NIO's decoder refused: over its size limits, or malformed. Answered here
        // when nothing else is owed; otherwise Hummingbird answers after what is owed.
        guard let parseError = error as? HTTPParserError, passedOn == 0, !refusing, !lingering else {
            context.fireErrorCaught(error)
            return
        }
        switch parseError {
        case .headerOverflow:
            refuse(observer.requestLineIsOpen ? .uriTooLong : .requestHeaderFieldsTooLarge, context: context)
        default: refuse(.badRequest, context: context)
        }
    }

    // MARK: Outbound

    func read(context: ChannelHandlerContext) {
        guard context.channel.isWritable || lingering else {
            readHeld = true
            return
        }
        context.read()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head):
            ResponseDate.stamp(&head)
            if bodyUnread, passedOn == 1 {
                closeAfterResponse = true
                head.headers.replaceOrAdd(name: "Connection", value: "close")
            }
            context.write(wrapOutboundOut(.head(head)), promise: promise)
        case .end:
            passedOn = max(0, passedOn - 1)
            connection.responseEnded(at: .now())
            guard !closeAfterResponse else {
                let written = context.writeAndFlush(data)
                written.cascade(to: promise)
                linger(context, after: written)
                return
            }
            context.write(data, promise: promise)
            rescheduleDeadline(context)
        case .body:
            context.write(data, promise: promise)
        }
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard event is SendContinue else { return context.triggerUserOutboundEvent(event, promise: promise) }
        if bodyUnread, mayContinue, passedOn == 1, !closeAfterResponse, !lingering {
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .continue))), promise: nil)
        }
        promise?.succeed()
    }

    /// A request with a body to read: a `Content-Length` above zero, or chunked.
    private static func hasBody(_ head: HTTPRequestHead) -> Bool {
        if let length = head.headers.first(name: "content-length").flatMap({ Int($0) }) { return length > 0 }
        return head.headers["transfer-encoding"].contains { $0.lowercased().contains("chunked") }
    }

    /// After the last response: keep reading and dropping the peer's bytes until its
    /// request ends (a client still sending reads its answer rather than a reset), then
    /// close once the response is written; at most `lingerTime` in all.
    private func linger(_ context: ChannelHandlerContext, after written: EventLoopFuture<Void>) {
        guard !lingering else { return }
        lingering = true
        lingerWritten = written
        deadlineTask?.cancel()
        context.read()
        // At the end of the linger the connection goes, written or not: a peer that reads
        // nothing must not keep it.
        context.eventLoop.assumeIsolated().scheduleTask(in: Self.lingerTime) {
            context.close(promise: nil)
        }
    }

    private func closeAfterLinger(_ context: ChannelHandlerContext) {
        guard let written = lingerWritten else { return context.close(promise: nil) }
        written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    private func write(_ replay: EventLoopAnswers.Replay, context: ChannelHandlerContext) {
        switch replay {
        case .encoded(let head, let body):
            // Below the encoder, which keeps no state between responses of known length.
            guard let encoder else { return }
            encoder.write(NIOAny(IOData.byteBuffer(head)), promise: nil)
            encoder.write(NIOAny(IOData.byteBuffer(ResponseDate.encodedLine())), promise: nil)
            if let body { encoder.write(NIOAny(IOData.byteBuffer(body)), promise: nil) }
            context.flush()
        case .wire(let wire):
            guard let encoder else { return }
            encoder.writeAndFlush(NIOAny(IOData.byteBuffer(wire)), promise: nil)
        case .decided(let answer):
            var head = answer.head
            ResponseDate.stamp(&head)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            if let body = answer.body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }

    /// Answers a head over a limit (or one the decoder refused) with `status` and closes.
    private func refuse(_ status: HTTPResponse.Status, context: ChannelHandlerContext) {
        refusing = true
        var answer = ErrorResponse(
            status: status, code: status.code == 400 ? "bad_request" : "request_too_large", message: status.reasonPhrase
        ).answer(cacheControl: answers.settings.cacheControl, serverName: answers.settings.serverName)
        answer.fields[.connection] = "close"
        var head = answer.head
        ResponseDate.stamp(&head)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let body = answer.body { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    // MARK: Deadlines

    /// Keeps one timer at the connection's deadline. A later deadline leaves the timer as
    /// it is: when it fires it looks again, so a busy connection costs no timer per request.
    private func rescheduleDeadline(_ context: ChannelHandlerContext) {
        guard let deadline = connection.deadline else { return }
        if let scheduled = scheduledDeadline, scheduled <= deadline { return }
        deadlineTask?.cancel()
        scheduledDeadline = deadline
        deadlineTask = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            deadlineTask = nil
            scheduledDeadline = nil
            if connection.isExpired(at: .now()) {
                logger.debug("closing a connection past its deadline", metadata: ["reading": "\(connection.reading)"])
                context.close(promise: nil)
            } else {
                rescheduleDeadline(context)
            }
        }
    }
}
