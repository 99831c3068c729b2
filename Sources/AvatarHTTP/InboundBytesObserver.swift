import NIOCore

/// Sits before the HTTP/1 decoder and watches the raw bytes: it tells the connection's
/// handler that bytes arrived (a request head's deadline runs from its first byte, which
/// the decoder does not report), and whether the current request line is still
/// unfinished (so a head the decoder refuses as too large is told apart: `414` for a long
/// target, `431` for long fields).
final class InboundBytesObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// Called on every read, before the bytes go on.
    var arrived: (() -> Void)?
    /// Whether no line break has come since the last request ended.
    private(set) var requestLineIsOpen = true

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        arrived?()
        if requestLineIsOpen, unwrapInboundIn(data).readableBytesView.contains(UInt8(ascii: "\n")) {
            requestLineIsOpen = false
        }
        context.fireChannelRead(data)
    }

    /// The decoder finished a request: the next bytes begin a request line.
    func requestEnded() {
        requestLineIsOpen = true
    }
}
