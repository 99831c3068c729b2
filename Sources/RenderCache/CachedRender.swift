import NIOCore

/// A render as the cache keeps it: the encoded bytes and their content type.
public struct CachedRender: Sendable, Equatable {
    public let contentType: String
    public let bytes: ByteBuffer

    public init(contentType: String, bytes: ByteBuffer) {
        self.contentType = contentType
        self.bytes = bytes
    }

    /// Stored value: 8-byte age sequence (big-endian), content-type length, content type, bytes.
    func encoded(sequence: UInt64) -> [UInt8] {
        var value: [UInt8] = []
        value.reserveCapacity(9 + contentType.utf8.count + bytes.readableBytes)
        withUnsafeBytes(of: sequence.bigEndian) { value.append(contentsOf: $0) }
        value.append(UInt8(contentType.utf8.count))
        value.append(contentsOf: contentType.utf8)
        value.append(contentsOf: bytes.readableBytesView)
        return value
    }

    /// Decodes a stored value; `nil` for anything malformed.
    init?(stored value: UnsafeRawBufferPointer) {
        guard let (contentType, bytes) = Self.parts(of: value) else { return nil }
        self.contentType = String(decoding: contentType, as: UTF8.self)
        self.bytes = ByteBuffer(bytes: bytes)
    }

    /// `body` applied to a stored value's bytes in place; `nil` for anything malformed.
    static func withBytes<Result>(stored value: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Result) -> Result? {
        parts(of: value).map { body($0.bytes) }
    }

    private static func parts(of value: UnsafeRawBufferPointer)
        -> (contentType: UnsafeRawBufferPointer, bytes: UnsafeRawBufferPointer)?
    {
        guard value.count >= 9 else { return nil }
        let typeLength = Int(value[8])
        guard value.count >= 9 + typeLength else { return nil }
        return (UnsafeRawBufferPointer(rebasing: value[9..<9 + typeLength]), UnsafeRawBufferPointer(rebasing: value[(9 + typeLength)...]))
    }

    static func sequence(of value: some Collection<UInt8>) -> UInt64? {
        guard value.count >= 8 else { return nil }
        return value.prefix(8).reduce(0) { $0 << 8 | UInt64($1) }
    }
}
