import CVips

/// Owns one reference to a `VipsImage` and drops it when the handle goes away, and keeps
/// alive the bytes the image (or the image it was derived from) was loaded from.
final class VipsImageHandle {
    let pointer: UnsafeMutablePointer<VipsImage>
    private let source: PinnedBytes?

    /// `source`: the bytes `pointer` was loaded from, if it reads them lazily.
    init(_ pointer: UnsafeMutablePointer<VipsImage>, source: PinnedBytes?) {
        self.pointer = pointer
        self.source = source
    }

    deinit {
        g_object_unref(pointer)
    }

    var width: Int { Int(vips_image_get_width(pointer)) }
    var height: Int { Int(vips_image_get_height(pointer)) }
    var bands: Int { Int(vips_image_get_bands(pointer)) }
    var hasAlpha: Bool { vips_image_hasalpha(pointer) != 0 }
    var hasICCProfile: Bool { avatars_vips_has_icc(pointer) != 0 }
    var interpretation: VipsInterpretation { vips_image_get_interpretation(pointer) }
    /// Whether EXIF orientation turns the image by 90 or 270 degrees when displayed.
    var orientationSwapsAxes: Bool { vips_image_get_orientation_swap(pointer) != 0 }

    /// Runs a libvips operation that makes a new image from this one.
    func apply(
        _ step: String, _ operation: (UnsafeMutablePointer<VipsImage>, UnsafeMutablePointer<UnsafeMutablePointer<VipsImage>?>) -> Int32
    ) throws(RenderFailure) -> VipsImageHandle {
        var out: UnsafeMutablePointer<VipsImage>?
        guard operation(pointer, &out) == 0, let out else {
            throw RenderFailure(step: step, message: Vips.lastError())
        }
        return VipsImageHandle(out, source: source)
    }
}
