import AvatarCore
import CVips

/// The checks an upload passes before it is stored: allowed format by magic bytes, pixel
/// count from the header alone, then one full decode that fails on truncation.
enum UploadInspection {
    static func inspect(_ bytes: [UInt8], maxPixels: Int) throws(AvatarError) -> InspectedOriginal {
        guard let format = FormatSniffer.format(of: bytes) else { throw .unsupportedMediaType }

        var header: UnsafeMutablePointer<VipsImage>?
        let source = PinnedBytes(bytes)
        guard avatars_vips_open_header(source.baseAddress, source.count, &header) == 0, let header else {
            throw .unprocessableImage(reason: "the \(format.rawValue) header could not be read")
        }
        let image = VipsImageHandle(header, source: source)
        let pixels = image.width.multipliedReportingOverflow(by: image.height)
        guard !pixels.overflow, pixels.partialValue <= maxPixels else {
            throw .unprocessableImage(
                reason: "\(image.width)x\(image.height) is more than the \(maxPixels) pixels allowed")
        }

        let decoded = bytes.withUnsafeBytes { avatars_vips_decode_fully($0.baseAddress, $0.count) }
        guard decoded == 0 else {
            let detail = Vips.lastError()
            throw .unprocessableImage(reason: "the \(format.rawValue) data does not decode: \(detail)")
        }
        let swap = image.orientationSwapsAxes
        return InspectedOriginal(
            format: format, width: swap ? image.height : image.width, height: swap ? image.width : image.height)
    }
}
