import NIOCore

/// Completes `gone` when the client closes its side of the connection (the server keeps
/// remote half-closure on, so the channel itself stays open) or the connection closes.
/// Like nginx, a client that has closed is taken to have gone: its requests' work stops.
final class ClientGoneHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let gone: EventLoopPromise<Void>
    private var told = false

    init(gone: EventLoopPromise<Void>) {
        self.gone = gone
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .inputClosed = event as? ChannelEvent { tell() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        tell()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        tell()
    }

    private func tell() {
        guard !told else { return }
        told = true
        gone.succeed()
    }
}
