import AvatarCore
import CVips

/// The named steps of a render, each one libvips operation. `ImagePipeline` runs them
/// top to bottom; they block, so they run on its thread pool.
enum RenderSteps {
    /// Scale on load: decodes at the smallest size libvips can (JPEG shrink-on-load,
    /// WebP/HEIF scaled decode), auto-rotates by EXIF, centre-crops to an exact square,
    /// upscales small originals, keeps the first frame of an animation.
    static func thumbnail(_ original: ImageBytes, size: Int) throws(RenderFailure) -> VipsImageHandle {
        try shrinkOnLoad(original, size: size, enlarge: true, step: "thumbnail")
    }

    /// Scale on load to the master: as `thumbnail`, but to cover `size` without enlarging,
    /// so a small original's master keeps its own pixels.
    static func master(_ original: ImageBytes, size: Int) throws(RenderFailure) -> VipsImageHandle {
        try shrinkOnLoad(original, size: size, enlarge: false, step: "master")
    }

    private static func shrinkOnLoad(_ original: ImageBytes, size: Int, enlarge: Bool, step: String) throws(RenderFailure)
        -> VipsImageHandle
    {
        try decode(original, step: step) { avatars_vips_thumbnail($0, $1, Int32(clamping: size), enlarge ? 1 : 0, $2) }
    }

    /// Runs a libvips call that loads `original`'s bytes (read in place: the handle keeps
    /// them alive) into a new image.
    private static func decode(
        _ original: ImageBytes, step: String,
        _ load: (UnsafeRawPointer?, Int, UnsafeMutablePointer<UnsafeMutablePointer<VipsImage>?>) -> Int32
    ) throws(RenderFailure) -> VipsImageHandle {
        var out: UnsafeMutablePointer<VipsImage>?
        let source = original.bytes
        guard load(source.baseAddress, source.count, &out) == 0, let out else {
            throw RenderFailure(step: step, message: Vips.lastError())
        }
        return VipsImageHandle(out, source: source)
    }

    /// Scale on load to fit within `width` x `height`, the whole picture kept: upright,
    /// first frame, never enlarged.
    static func fit(_ original: ImageBytes, width: Int, height: Int) throws(RenderFailure) -> VipsImageHandle {
        try decode(original, step: "fit") {
            avatars_vips_thumbnail_fit($0, $1, Int32(clamping: width), Int32(clamping: height), $2)
        }
    }

    /// Animation: every frame of `original` cut to `crop`, resampled to `size` (and to its
    /// disc for a circle), kept as pages with their delays (in whole centiseconds for GIF) and
    /// loop count.
    static func animatedSquare(_ original: ImageBytes, crop: AvatarCrop, size: Int, circle: Bool, gif: Bool)
        throws(RenderFailure) -> VipsImageHandle
    {
        try decode(original, step: "animation") {
            avatars_vips_animated_square(
                $0, $1, Int32(clamping: crop.x), Int32(clamping: crop.y), Int32(clamping: crop.size), Int32(clamping: size),
                circle ? 1 : 0, gif ? 1 : 0, $2)
        }
    }

    /// Animation from its master: every frame of `master` resampled to `size` (and to its disc
    /// for a circle), with its delays (in whole centiseconds for GIF) and loop count.
    static func animatedSquare(_ master: AnimatedMaster, size: Int, circle: Bool, gif: Bool) throws(RenderFailure)
        -> VipsImageHandle
    {
        let png = PinnedBytes(master.png)
        var out: UnsafeMutablePointer<VipsImage>?
        let delays = master.delays.map { $0.map { Int32(clamping: $0) } }
        let status = delays.withOptionalBuffer { delays in
            avatars_vips_animated_master_square(
                png.baseAddress, png.count, Int32(clamping: master.side), delays, Int32(clamping: master.frames),
                Int32(clamping: master.loop ?? -1), Int32(clamping: size), circle ? 1 : 0, gif ? 1 : 0, &out)
        }
        guard status == 0, let out else { throw RenderFailure(step: "animation from master", message: Vips.lastError()) }
        return VipsImageHandle(out, source: png)
    }

    /// Cut: the `side` x `side` square at `left`, `top`, moved inside the image if rounding
    /// took it past an edge.
    static func cut(_ image: VipsImageHandle, left: Int, top: Int, side: Int) throws(RenderFailure) -> VipsImageHandle {
        try image.apply("cut") {
            avatars_vips_extract_inside($0, Int32(clamping: left), Int32(clamping: top), Int32(clamping: side),
                                        Int32(clamping: side), $1)
        }
    }

    /// In memory: the image decoded once, for steps that read it more than once, in any order.
    static func inMemory(_ image: VipsImageHandle, by deadline: RenderDeadline) throws(RenderFailure) -> VipsImageHandle {
        deadline.attach(to: image)
        var out: UnsafeMutablePointer<VipsImage>?
        guard avatars_vips_copy_memory(image.pointer, &out) == 0, let out else {
            throw deadline.failure(of: image, step: "in memory")
        }
        return VipsImageHandle(out, source: nil)
    }

    /// Attention: where libvips' attention smartcrop puts a `side` x `side` square.
    static func attention(_ image: VipsImageHandle, side: Int) throws(RenderFailure) -> (left: Int, top: Int) {
        var left: Int32 = 0, top: Int32 = 0
        guard avatars_vips_attention_square(image.pointer, Int32(clamping: side), &left, &top) == 0 else {
            throw RenderFailure(step: "attention", message: Vips.lastError())
        }
        return (Int(left), Int(top))
    }

    /// Grey: the image as 8-bit grey pixels, rows of its width, handed to `body` in place.
    static func grey<T>(_ image: VipsImageHandle, by deadline: RenderDeadline, _ body: (UnsafeRawBufferPointer) -> T)
        throws(RenderFailure) -> T
    {
        deadline.attach(to: image)
        var pixels: UnsafeMutableRawPointer?
        var length = 0
        guard avatars_vips_grey_pixels(image.pointer, &pixels, &length) == 0, let pixels else {
            throw deadline.failure(of: image, step: "grey")
        }
        defer { g_free(pixels) }
        return body(UnsafeRawBufferPointer(start: pixels, count: length))
    }

    /// Load a master's pixels into libvips, read in place: the handle keeps them alive.
    static func load(_ master: MasterImage) throws(RenderFailure) -> VipsImageHandle {
        try load(master.pixels, keeping: master.storage)
    }

    /// Load pixels into libvips, read in place: `owner`, when there is one, is kept alive
    /// by the handle; without one, the caller keeps the pixels alive for as long as any
    /// image made from them lives.
    static func load(_ pixels: MasterPixels, keeping owner: PinnedBytes?) throws(RenderFailure) -> VipsImageHandle {
        guard
            let image = avatars_vips_from_srgb_pixels(
                pixels.bytes.baseAddress, pixels.bytes.count, Int32(clamping: pixels.width),
                Int32(clamping: pixels.height), Int32(clamping: pixels.bands))
        else { throw RenderFailure(step: "load master", message: Vips.lastError()) }
        return VipsImageHandle(image, source: owner)
    }

    /// Crop and scale an image in memory (a master) to an exact square.
    static func square(_ image: VipsImageHandle, size: Int) throws(RenderFailure) -> VipsImageHandle {
        try image.apply("square") { avatars_vips_square($0, Int32(size), $1) }
    }

    /// Made here: a small image's pixels made on the calling render thread alone. Handing a
    /// few tiles between libvips' worker threads costs more than making them, and the other
    /// render threads keep the cores busy. Not stopped by a deadline once begun: only for
    /// images of at most `RenderParameters.masterSize` a side, made from memory.
    static func madeHere(_ image: VipsImageHandle) throws(RenderFailure) -> VipsImageHandle {
        try image.apply("make here") { avatars_vips_compute_here($0, $1) }
    }

    /// Pixels: the 8-bit sRGB bands of an image as a master. Grey has become sRGB by now
    /// (`toSRGB`); deeper formats are cast down.
    static func pixels(_ image: VipsImageHandle, by deadline: RenderDeadline) throws(RenderFailure) -> MasterImage {
        var image = image
        if vips_image_get_format(image.pointer) != VIPS_FORMAT_UCHAR {
            image = try image.apply("cast") { avatars_vips_cast_uchar($0, $1) }
        }
        guard [3, 4].contains(image.bands) else {
            throw RenderFailure(step: "master", message: "\(image.bands) bands after sRGB conversion")
        }
        deadline.attach(to: image)
        var length = 0
        guard let pixels = vips_image_write_to_memory(image.pointer, &length) else {
            throw deadline.failure(of: image, step: "master")
        }
        defer { g_free(pixels) }
        return MasterImage(
            width: image.width, height: image.height, bands: image.bands,
            pixels: UnsafeRawBufferPointer(start: pixels, count: length))
    }

    /// Colourspace: pixels described by an embedded ICC profile are converted with it;
    /// anything else that is not already 8-bit sRGB (CMYK, grey, 16-bit) is converted
    /// plainly. Images already in sRGB without a profile are left alone, since forcing a
    /// profile onto them shifts their colours.
    static func toSRGB(_ image: VipsImageHandle) throws(RenderFailure) -> VipsImageHandle {
        var image = image
        if image.hasICCProfile {
            image = try image.apply("icc_transform") { avatars_vips_icc_to_srgb($0, $1) }
        }
        if image.interpretation != VIPS_INTERPRETATION_sRGB {
            image = try image.apply("colourspace") { avatars_vips_colourspace_srgb($0, $1) }
        }
        return image
    }

    /// Alpha: flattened onto `background` for encodings that cannot carry it.
    static func fitAlpha(_ image: VipsImageHandle, to format: ImageFormat, onto background: RGBColour)
        throws(RenderFailure) -> VipsImageHandle
    {
        guard image.hasAlpha, !format.keepsAlpha else { return image }
        return try image.apply("flatten") {
            avatars_vips_flatten($0, Double(background.red), Double(background.green), Double(background.blue), $1)
        }
    }

    /// Circle: the disc inscribed in the square kept, its edge anti-aliased, the corners
    /// made transparent (an alpha band is added, or the one there is narrowed).
    static func circle(_ image: VipsImageHandle) throws(RenderFailure) -> VipsImageHandle {
        try image.apply("circle") { avatars_vips_circle($0, $1) }
    }

    /// Save: encodes with every piece of metadata stripped, so no EXIF or GPS leaves.
    static func encode(_ image: VipsImageHandle, _ parameters: RenderParameters, by deadline: RenderDeadline)
        throws(RenderFailure) -> [UInt8]
    {
        let quality = Int32(parameters.quality)
        let bytes = try save(image, step: "save \(parameters.format.rawValue)", by: deadline) { image, buffer, length in
            switch parameters.format {
            case .jpeg: avatars_vips_jpeg(image, quality, buffer, length)
            case .png: avatars_vips_png(image, buffer, length)
            case .webp: avatars_vips_webp(image, quality, buffer, length)
            case .avif, .heif: avatars_vips_avif(image, quality, Int32(parameters.avifEffort), buffer, length)
            case .gif: avatars_vips_gif(image, buffer, length)
            }
        }
        return parameters.format == .webp ? WebPChunks.strippingMetadata(bytes) : bytes
    }

    /// Keep as master: an animation's pages of `side` px as an `AnimatedMaster`, losslessly.
    static func animatedMaster(_ pages: VipsImageHandle, side: Int, by deadline: RenderDeadline) throws(RenderFailure)
        -> AnimatedMaster
    {
        let png = try save(pages, step: "save animated master", by: deadline) { avatars_vips_png_master($0, $1, $2) }
        var found: UnsafeMutablePointer<Int32>?
        var count: Int32 = 0
        let delays: [Int]? =
            avatars_vips_delays(pages.pointer, &found, &count) == 1 && found != nil
            ? UnsafeBufferPointer(start: found, count: Int(count)).map { Int($0) } : nil
        g_free(found)
        let loop = Int(avatars_vips_loop(pages.pointer))
        return AnimatedMaster(
            side: side, frames: pages.height / max(1, side), delays: delays, loop: loop < 0 ? nil : loop, png: png)
    }

    /// Runs a libvips saver under `deadline` and copies what it wrote out of libvips' buffer.
    private static func save(
        _ image: VipsImageHandle, step: String, by deadline: RenderDeadline,
        _ saver: (UnsafeMutablePointer<VipsImage>, UnsafeMutablePointer<UnsafeMutableRawPointer?>, UnsafeMutablePointer<Int>)
            -> Int32
    ) throws(RenderFailure) -> [UInt8] {
        deadline.attach(to: image)
        var buffer: UnsafeMutableRawPointer?
        var length = 0
        guard saver(image.pointer, &buffer, &length) == 0, let buffer else {
            throw deadline.failure(of: image, step: step)
        }
        defer { g_free(buffer) }
        return Array(UnsafeRawBufferPointer(start: buffer, count: length))
    }
}

extension Optional where Wrapped == [Int32] {
    /// `body` with the array's storage, or with `nil` when there is no array.
    fileprivate func withOptionalBuffer<Result>(_ body: (UnsafePointer<Int32>?) -> Result) -> Result {
        switch self {
        case .some(let values): values.withUnsafeBufferPointer { body($0.baseAddress) }
        case .none: body(nil)
        }
    }
}
