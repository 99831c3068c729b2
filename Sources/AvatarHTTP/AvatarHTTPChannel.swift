import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// The server's HTTP/1.1 connections: Hummingbird's `HTTP1Channel` pipeline with the
/// `AvatarConnectionHandler` between NIO's HTTP/1 codec and the conversion to Swift HTTP
/// types, so that the connection's guards see every request and response, and an answer
/// given from memory is never converted either way (those conversions cost more than the
/// rest of such an answer's work). Everything it passes on reaches the router as with
/// `HTTP1Channel`. Connections past `http.maxConnections` are closed when accepted.
public struct AvatarHTTPChannel: ServerChildChannel, HTTPChannelHandler {
    /// One connection: its channel, and when its client went away.
    public struct Value: ServerChildChannelValue {
        let asyncChannel: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>
        let clientGone: EventLoopFuture<Void>
        public var channel: any Channel { asyncChannel.channel }
    }

    public let responder: HTTPChannelHandler.Responder
    let answers: EventLoopAnswers
    let limit: ConnectionLimit
    /// Where each connection's handling runs: threads below the event loops' priority.
    let handlers: any TaskExecutor

    init(
        responder: @escaping HTTPChannelHandler.Responder, answers: EventLoopAnswers, limit: ConnectionLimit,
        handlers: any TaskExecutor
    ) {
        self.responder = responder
        self.answers = answers
        self.limit = limit
        self.handlers = handlers
    }

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        guard limit.admit() else {
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(ChannelError.inputClosed)
        }
        channel.closeFuture.whenComplete { [limit] _ in limit.release() }
        return channel.eventLoop.makeCompletedFuture {
            let pipeline = channel.pipeline.syncOperations
            // Every answer here is one buffer already in memory. With NIO's default 64 KiB
            // mark, each larger render would flip the channel unwritable and back: two events
            // through the whole pipeline per request.
            try channel.syncOptions?.setOption(
                .writeBufferWaterMark, value: .init(low: 512 * 1024, high: 1024 * 1024))
            let settings = answers.settings.connections
            var limits = NIOHTTPDecoderLimitConfiguration()
            // The decoder counts the target and every field against these; the exact
            // limits (`ConnectionGuard.limit(of:)`) are checked on each decoded head.
            limits.maxHeaderFieldSize = settings.maxHeadBytes
            limits.maxHeaderListSize = settings.maxHeadBytes
            let observer = InboundBytesObserver()
            let gone = channel.eventLoop.makePromise(of: Void.self)
            try pipeline.addHandler(ClientGoneHandler(gone: gone))
            // As `HTTP1Channel` (requests are pipelined by `NIOAsyncChannel`, errors are
            // answered by the application, Swift HTTP types validate outbound headers), but
            // with an encoder that is not paired with the decoder: a paired one matches each
            // head it encodes to the next decoded request, and answers replayed below it
            // (`AnswerCache`) would leave it matching later answers to earlier requests.
            // Every answer here is framed as decided: a HEAD's carries no body.
            try pipeline.addHandler(observer)
            try pipeline.addHandler(HTTPResponseEncoder(configuration: .init()))
            try pipeline.addHandler(
                ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes, limitConfiguration: limits)))
            try pipeline.addHandler(
                AvatarConnectionHandler(
                    answers: answers, perLoop: answers.perLoop(for: channel.eventLoop), settings: settings, observer: observer,
                    logger: logger))
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            try pipeline.addHandler(HTTPConnectionStateHandler(logger: logger))
            let asyncChannel = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
            return Value(asyncChannel: asyncChannel, clientGone: gone.futureResult)
        }
    }

    /// Serves the connection as `HTTP1Channel` does, but on `handlers`, and cancels its
    /// requests' tasks once the client has gone (`ClientGoneHandler`): Hummingbird lets a
    /// handler run on after its client has left, and a render nobody waits for any more
    /// should not take a render thread.
    public func handle(value: Value, logger: Logger) async {
        await withTaskExecutorPreference(handlers) {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await handleHTTP(asyncChannel: value.asyncChannel, logger: logger) }
                group.addTask { try? await value.clientGone.get() }
                await group.next()
                group.cancelAll()
            }
        }
    }
}
