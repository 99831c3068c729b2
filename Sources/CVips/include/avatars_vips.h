// Fixed-arity wrappers over the variadic libvips calls the render pipeline needs.
// Swift cannot call C variadic functions, so each option set lives here.
#ifndef AVATARS_VIPS_H
#define AVATARS_VIPS_H

#include <vips/vips.h>

/// Starts libvips once: operation cache off, untrusted loaders blocked.
/// Returns 0 on success.
int avatars_vips_start(const char *program_name);

/// Allows one loader that libvips marks untrusted (e.g. "VipsForeignLoadSvg") for
/// input the process generates itself.
void avatars_vips_allow_operation(const char *name);

/// The class name of the loader libvips would pick for a buffer (the one
/// vips_image_new_from_buffer and vips_thumbnail_buffer use), or NULL if none would load it.
const char *avatars_vips_loader(const void *buf, size_t len);

/// Opens a buffer lazily (header only, sequential access).
int avatars_vips_open_header(const void *buf, size_t len, VipsImage **out);

/// Stops any evaluation of `image` (a save, a statistic) once `seconds` have passed from
/// now: the call evaluating it then fails. Lives as long as the image.
void avatars_vips_set_deadline(VipsImage *image, double seconds);

/// Whether the deadline set on `image` stopped an evaluation of it.
int avatars_vips_deadline_passed(VipsImage *image);

/// Decodes every pixel of the first frame (of every frame with `all_pages`), failing on
/// truncated or corrupt data, or when `seconds` pass first (then *timed_out is set).
int avatars_vips_decode_fully(const void *buf, size_t len, int all_pages, double seconds, int *timed_out);

/// Shrink-on-load thumbnail: centre crop to size x size, EXIF auto-rotate, first frame
/// only, no export profile forced. With `enlarge` small originals are upscaled to exactly
/// size x size; without, they keep their pixels (at most size x size, for a master).
int avatars_vips_thumbnail(const void *buf, size_t len, int size, int enlarge, VipsImage **out);

/// Shrink-on-load to fit within width x height, keeping the aspect ratio and the whole
/// picture (no crop), EXIF auto-rotated, first frame only; smaller originals keep their pixels.
int avatars_vips_thumbnail_fit(const void *buf, size_t len, int width, int height, VipsImage **out);

/// The area at left, top of width x height, moved left and up as far as needed to lie inside
/// the image; fails when the image is smaller than the area.
int avatars_vips_extract_inside(VipsImage *in, int left, int top, int width, int height, VipsImage **out);

/// Evaluates the image into memory, so several steps may read it in any order.
int avatars_vips_copy_memory(VipsImage *in, VipsImage **out);

/// Evaluates the image into memory on the calling thread alone, without libvips' worker
/// threads: for small images, whose pixels take less time to make than to hand between
/// threads. Made in strips of 64 lines; the result does not read `in` again.
int avatars_vips_compute_here(VipsImage *in, VipsImage **out);

/// libvips' attention smartcrop of a side x side square: writes where that square's
/// top-left corner lies in the image.
int avatars_vips_attention_square(VipsImage *in, int side, int *left, int *top);

/// The image as 8-bit grey pixels (alpha flattened onto white), one byte per pixel, rows
/// of the image's width; free *pixels with g_free.
int avatars_vips_grey_pixels(VipsImage *in, void **pixels, size_t *len);

/// Exactly size x size from an image already in memory (a master): the centre square,
/// resampled with Lanczos 3 (alpha premultiplied), upscaling allowed.
int avatars_vips_square(VipsImage *in, int size, VipsImage **out);

/// Casts to 8 bits per band.
int avatars_vips_cast_uchar(VipsImage *in, VipsImage **out);

/// An image reading 8-bit sRGB pixels (3 bands, or 4 with alpha) in place, so they must
/// outlive it and every image made from it; NULL on failure.
VipsImage *avatars_vips_from_srgb_pixels(const void *pixels, size_t len, int width, int height, int bands);

/// Converts pixels carrying an embedded ICC profile to sRGB using that profile.
int avatars_vips_icc_to_srgb(VipsImage *in, VipsImage **out);

/// Converts to 8-bit sRGB from any other interpretation (CMYK, grey, 16-bit, ...).
int avatars_vips_colourspace_srgb(VipsImage *in, VipsImage **out);

/// Removes alpha by flattening onto the colour red, green, blue (0 to 255 each).
int avatars_vips_flatten(VipsImage *in, double red, double green, double blue, VipsImage **out);

/// Keeps the disc inscribed in the image, its edge anti-aliased over one pixel: adds an
/// alpha band that is 0 outside it, or narrows the alpha band there is. 8 bits per band out.
int avatars_vips_circle(VipsImage *in, VipsImage **out);

/// Every frame of an animated GIF or WebP (its loader checked by the caller): each frame
/// turned upright by its EXIF orientation, the side x side square at left, top of it
/// resampled to size x size (and cut to its disc with `circle`), stacked as pages with each
/// frame's delay (rounded to 10 ms with `centiseconds`, for GIF) and the loop count. Fails
/// when the square does not lie within the upright frames.
int avatars_vips_animated_square(const void *buf, size_t len, int left, int top, int side, int size, int circle,
                                 int centiseconds, VipsImage **out);

/// As `avatars_vips_animated_square`, from an animated master: a PNG of `pages` frames of
/// side x side stacked top to bottom, whose `delays` (ms, one per frame) and `loop` are
/// given, since PNG keeps neither (`delays` NULL and `loop` -1 when the original had none).
int avatars_vips_animated_master_square(const void *png, size_t len, int side, const int *delays, int pages, int loop,
                                        int size, int circle, int centiseconds, VipsImage **out);

/// Encoders. Every one strips all metadata (EXIF, XMP, ICC, comments).
int avatars_vips_jpeg(VipsImage *in, int quality, void **buf, size_t *len);
int avatars_vips_png(VipsImage *in, void **buf, size_t *len);
int avatars_vips_webp(VipsImage *in, int quality, void **buf, size_t *len);
/// Lightly compressed PNG of all pages stacked: an animated master's pixels, stored losslessly.
int avatars_vips_png_master(VipsImage *in, void **buf, size_t *len);

/// The "delay" array of `image` (ms per page) into *delays (g_free it), *count set; 0 when
/// it has none.
int avatars_vips_delays(VipsImage *image, int **delays, int *count);

/// The "loop" count of `image`, or -1 when it has none.
int avatars_vips_loop(VipsImage *image);
int avatars_vips_avif(VipsImage *in, int quality, int effort, void **buf, size_t *len);
int avatars_vips_gif(VipsImage *in, void **buf, size_t *len);

/// Whether the image carries an embedded ICC profile.
int avatars_vips_has_icc(VipsImage *in);

#endif
