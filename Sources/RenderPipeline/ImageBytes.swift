import AvatarCore
import CVips

/// Bytes for libvips with their loader decided by us, never guessed by libvips from bytes
/// that also look like something else (an SVG behind an `ftyp` box, say). Every libvips
/// call that decodes bytes takes one. Bytes a client sent (an upload, or an original
/// stored from one) become one only when libvips' own choice of loader is the one for the
/// format they were sniffed as; SVG is only ever what this process wrote itself.
struct ImageBytes {
    let bytes: PinnedBytes

    /// Bytes a client sent: `.emptyBody`, `.unsupportedMediaType` (not an allowed format by
    /// its magic bytes) or `.unprocessableImage` (libvips would read it as something else).
    static func client(_ bytes: [UInt8]) throws(AvatarError) -> (ImageBytes, ImageFormat) {
        guard !bytes.isEmpty else { throw .emptyBody }
        guard let format = FormatSniffer.format(of: bytes) else { throw .unsupportedMediaType }
        guard let checked = ImageBytes(bytes, loader: format.vipsLoader) else { throw .unprocessableImage(.undecodable(format)) }
        return (checked, format)
    }

    /// An SVG this process generated (a default image); `nil` if libvips would not load it as SVG.
    static func generatedSVG(_ svg: String) -> ImageBytes? {
        ImageBytes(Array(svg.utf8), loader: "VipsForeignLoadSvgBuffer")
    }

    private init?(_ bytes: [UInt8], loader expected: String) {
        let pinned = PinnedBytes(bytes)
        guard let loader = avatars_vips_loader(pinned.baseAddress, pinned.count), String(cString: loader) == expected else {
            // find_load_buffer leaves a message when nothing loads the bytes; it is no one's business.
            _ = Vips.lastError()
            return nil
        }
        self.bytes = pinned
    }
}

extension ImageFormat {
    /// The libvips loader class for bytes of this format.
    var vipsLoader: String {
        switch self {
        case .jpeg: "VipsForeignLoadJpegBuffer"
        case .png: "VipsForeignLoadPngBuffer"
        case .gif: "VipsForeignLoadNsgifBuffer"
        case .webp: "VipsForeignLoadWebpBuffer"
        case .avif, .heif: "VipsForeignLoadHeifBuffer"
        }
    }
}
