import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// The server's HTTP/1.1 connections: Hummingbird's `HTTP1Channel` pipeline with the
/// `CacheHitResponder` between NIO's HTTP/1 codec and the conversion to Swift HTTP types,
/// so that a cache hit is answered without either conversion (measured: they cost more
/// than the rest of a hit's own work). Everything it passes on reaches the router as
/// with `HTTP1Channel`.
public struct AvatarHTTPChannel: ServerChildChannel, HTTPChannelHandler {
    public typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>

    public let responder: HTTPChannelHandler.Responder
    let cacheHits: CacheHitResponder

    public init(responder: @escaping HTTPChannelHandler.Responder, cacheHits: CacheHitResponder) {
        self.responder = responder
        self.cacheHits = cacheHits
    }

    public func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let pipeline = channel.pipeline.syncOperations
            // Every response here is one buffer already in memory. With NIO's default 64 KiB
            // mark, each larger render would flip the channel unwritable and back: two events
            // through the whole pipeline per request.
            try channel.syncOptions?.setOption(
                .writeBufferWaterMark, value: .init(low: 512 * 1024, high: 1024 * 1024))
            // As `HTTP1Channel`: requests are pipelined by `NIOAsyncChannel`, errors are
            // answered by the application and Swift HTTP types validate outbound headers.
            try pipeline.configureHTTPServerPipeline(
                withPipeliningAssistance: false, withErrorHandling: false, withOutboundHeaderValidation: false)
            try pipeline.addHandler(cacheHits.handler())
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            try pipeline.addHandler(HTTPConnectionStateHandler(logger: logger))
            return try NIOAsyncChannel(wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
        }
    }

    public func handle(value asyncChannel: Value, logger: Logger) async {
        await handleHTTP(asyncChannel: asyncChannel, logger: logger)
    }
}
