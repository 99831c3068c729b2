/// Removes metadata chunks (EXIF, XMP, ICC) from an encoded WebP file.
///
/// libvips 8.14's WebP saver writes a rebuilt EXIF chunk even when asked to strip, so
/// the pipeline's save step finishes the job on the RIFF container itself.
enum WebPChunks {
    private static let metadataChunks: Set<[UInt8]> = [Array("EXIF".utf8), Array("XMP ".utf8), Array("ICCP".utf8)]
    /// VP8X flag bits announcing ICC (0x20), EXIF (0x08) and XMP (0x04) chunks.
    private static let metadataFlags: UInt8 = 0x20 | 0x08 | 0x04

    static func strippingMetadata(_ file: [UInt8]) -> [UInt8] {
        guard file.count >= 12, file[0..<4].elementsEqual("RIFF".utf8), file[8..<12].elementsEqual("WEBP".utf8) else {
            return file
        }
        var output = Array(file[0..<12])
        var offset = 12
        while offset + 8 <= file.count {
            let fourCC = Array(file[offset..<offset + 4])
            let size = Int(file[offset + 4]) | Int(file[offset + 5]) << 8 | Int(file[offset + 6]) << 16
                | Int(file[offset + 7]) << 24
            let end = offset + 8 + size + (size & 1)
            guard end <= file.count else { return file }
            if !metadataChunks.contains(fourCC) {
                var chunk = Array(file[offset..<end])
                if fourCC.elementsEqual("VP8X".utf8), chunk.count > 8 { chunk[8] &= ~metadataFlags }
                output += chunk
            }
            offset = end
        }
        let riffSize = UInt32(output.count - 8)
        output.replaceSubrange(4..<8, with: withUnsafeBytes(of: riffSize.littleEndian, Array.init))
        return output
    }
}
