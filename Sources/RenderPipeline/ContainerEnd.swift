import AvatarCore

/// Whether a PNG or GIF reaches its end marker (PNG's `IEND` chunk, GIF's trailer), walked
/// chunk by chunk and block by block. Their decoders draw what arrived of a truncated file
/// without an error, so an upload cut short would otherwise be stored as if whole.
enum ContainerEnd {
    static func isReached(in bytes: [UInt8], format: ImageFormat) -> Bool {
        switch format {
        case .png: pngReachesEnd(bytes)
        case .gif: gifReachesTrailer(bytes)
        case .jpeg, .webp, .avif, .heif: true  // their decoders fail on truncation themselves
        }
    }

    private static func pngReachesEnd(_ bytes: [UInt8]) -> Bool {
        var offset = 8
        while offset + 8 <= bytes.count {
            let length = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            let next = offset + 12 + length  // length, type, data, CRC
            guard next <= bytes.count else { return false }
            if bytes[offset + 4..<offset + 8].elementsEqual("IEND".utf8) { return true }
            offset = next
        }
        return false
    }

    private static func gifReachesTrailer(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 13 else { return false }
        var offset = 13 + colourTableSize(bytes[10])
        while offset < bytes.count {
            switch bytes[offset] {
            case 0x3B:
                return true
            case 0x21:  // extension: introducer, label, sub-blocks
                guard let end = afterSubBlocks(bytes, from: offset + 2) else { return false }
                offset = end
            case 0x2C:  // image: descriptor, local colour table, LZW code size, sub-blocks
                guard offset + 10 <= bytes.count else { return false }
                guard let end = afterSubBlocks(bytes, from: offset + 10 + colourTableSize(bytes[offset + 9]) + 1) else {
                    return false
                }
                offset = end
            default:
                return false
            }
        }
        return false
    }

    /// Bytes of the colour table a GIF's packed field declares.
    private static func colourTableSize(_ packed: UInt8) -> Int {
        packed & 0x80 == 0 ? 0 : 3 << (Int(packed & 0x07) + 1)
    }

    /// The offset after a chain of sub-blocks starting at `offset`, or `nil` when it runs past the end.
    private static func afterSubBlocks(_ bytes: [UInt8], from offset: Int) -> Int? {
        var offset = offset
        while offset < bytes.count {
            let size = Int(bytes[offset])
            offset += 1 + size
            if size == 0 { return offset }
        }
        return nil
    }
}
