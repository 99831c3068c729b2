import AvatarCore
import CVips

/// The checks an upload passes before it is stored, cheapest first: allowed format by
/// magic bytes and libvips' loader for them, JPEG scans counted, PNG and GIF walked to
/// their end marker, pixel and frame counts
/// from the header alone, then one full decode within a deadline that fails on truncation.
enum UploadInspection {
    /// What refused an upload, and for the log only, what libvips said.
    struct Refused: Error {
        let error: AvatarError
        var detail: String?
    }

    static func inspect(_ bytes: [UInt8], settings: PipelineSettings) throws(Refused) -> InspectedOriginal {
        let client: ImageBytes
        let format: ImageFormat
        do { (client, format) = try ImageBytes.client(bytes) } catch { throw Refused(error: error) }
        if format == .jpeg, JPEGScans.count(in: bytes) > JPEGScans.limit {
            throw Refused(error: .unprocessableImage(.tooManyScans(limit: JPEGScans.limit)))
        }
        guard ContainerEnd.isReached(in: bytes, format: format) else {
            throw Refused(error: .unprocessableImage(.undecodable(format)), detail: "the file ends before its end marker")
        }

        var header: UnsafeMutablePointer<VipsImage>?
        guard avatars_vips_open_header(client.bytes.baseAddress, client.bytes.count, &header) == 0, let header else {
            throw Refused(error: .unprocessableImage(.undecodable(format)), detail: Vips.lastError())
        }
        let image = VipsImageHandle(header, source: client.bytes)
        let frames = max(1, Int(vips_image_get_n_pages(header)))
        let pixels = image.width.multipliedReportingOverflow(by: image.height)
        guard !pixels.overflow, pixels.partialValue <= settings.maxPixels else {
            throw Refused(error: .unprocessableImage(.tooManyPixels(limit: settings.maxPixels)))
        }
        guard frames <= settings.maxFrames else {
            throw Refused(error: .unprocessableImage(.tooManyFrames(limit: settings.maxFrames)))
        }
        let animation = pixels.partialValue.multipliedReportingOverflow(by: frames)
        guard frames == 1 || (!animation.overflow && animation.partialValue <= settings.maxAnimationPixels) else {
            throw Refused(error: .unprocessableImage(.tooManyAnimationPixels(limit: settings.maxAnimationPixels)))
        }

        var timedOut: Int32 = 0
        // Every frame of an animation, since animated renders decode them all.
        let decoded = avatars_vips_decode_fully(
            client.bytes.baseAddress, client.bytes.count, frames > 1 ? 1 : 0, settings.renderTimeoutSeconds, &timedOut)
        guard decoded == 0 else {
            let refusal: ImageRefusal =
                timedOut != 0 ? .decodeTooSlow(seconds: settings.renderTimeoutSeconds) : .undecodable(format)
            throw Refused(error: .unprocessableImage(refusal), detail: Vips.lastError())
        }
        let swap = image.orientationSwapsAxes
        return InspectedOriginal(
            format: format, width: swap ? image.height : image.width, height: swap ? image.width : image.height,
            frames: frames)
    }
}
