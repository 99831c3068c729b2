#include "avatars_vips.h"
#include <stdlib.h>
#include <string.h>
#include <vips/vector.h>

int avatars_vips_start(const char *program_name) {
    if (VIPS_INIT(program_name) != 0)
        return -1;
    // Renders are keyed and cached by us; libvips' operation cache only costs memory.
    vips_cache_set_max(0);
    // Debian 12's liborc 0.4.33 crashes (SIGSEGV inside liborc) when libvips' vector paths
    // resize in several threads at once; seen in this server and in a C program alone. The
    // C paths measured no slower on renders of avatar size.
    vips_vector_set_enabled(FALSE);
    vips_block_untrusted_set(TRUE);
    // The generated default images are SVG text this program writes itself; user uploads
    // never reach libvips as SVG (the format allow-list refuses them first).
    vips_operation_block_set("VipsForeignLoadSvgBuffer", FALSE);
    return 0;
}

void avatars_vips_allow_operation(const char *name) {
    vips_operation_block_set(name, FALSE);
}

const char *avatars_vips_loader(const void *buf, size_t len) {
    return vips_foreign_find_load_buffer(buf, len);
}

int avatars_vips_open_header(const void *buf, size_t len, VipsImage **out) {
    *out = vips_image_new_from_buffer(buf, len, "", "access", VIPS_ACCESS_SEQUENTIAL, NULL);
    return *out ? 0 : -1;
}

typedef struct {
    gint64 deadline;
    gboolean passed;
} avatars_deadline;

static const char *avatars_deadline_key = "avatars-deadline";

// Called by libvips as evaluation of the image progresses (about once per tile or strip).
static void avatars_deadline_check(VipsImage *image, VipsProgress *progress, avatars_deadline *deadline) {
    (void) progress;
    if (!deadline->passed && g_get_monotonic_time() > deadline->deadline) {
        deadline->passed = TRUE;
        vips_image_set_kill(image, TRUE);
    }
}

void avatars_vips_set_deadline(VipsImage *image, double seconds) {
    gint64 at = g_get_monotonic_time() + (gint64) (seconds * 1e6);
    avatars_deadline *deadline = g_object_get_data(G_OBJECT(image), avatars_deadline_key);
    if (deadline) {
        // Set again: the one handler already connected reads the new time.
        deadline->deadline = at;
        return;
    }
    deadline = g_new0(avatars_deadline, 1);
    deadline->deadline = at;
    // The image owns the deadline: freed when the image is, so the handler never outlives it.
    g_object_set_data_full(G_OBJECT(image), avatars_deadline_key, deadline, g_free);
    vips_image_set_progress(image, TRUE);
    g_signal_connect(image, "eval", G_CALLBACK(avatars_deadline_check), deadline);
}

int avatars_vips_deadline_passed(VipsImage *image) {
    avatars_deadline *deadline = g_object_get_data(G_OBJECT(image), avatars_deadline_key);
    return deadline && deadline->passed;
}

int avatars_vips_decode_fully(const void *buf, size_t len, int all_pages, double seconds, int *timed_out) {
    *timed_out = 0;
    // Only loaders of many pages know "n": the others refuse the option.
    VipsImage *image = all_pages
        ? vips_image_new_from_buffer(buf, len, "",
              "access", VIPS_ACCESS_SEQUENTIAL, "fail_on", VIPS_FAIL_ON_TRUNCATED, "n", -1, NULL)
        : vips_image_new_from_buffer(buf, len, "",
              "access", VIPS_ACCESS_SEQUENTIAL, "fail_on", VIPS_FAIL_ON_TRUNCATED, NULL);
    if (!image)
        return -1;
    avatars_vips_set_deadline(image, seconds);
    double average;
    // vips_avg pulls every pixel through the decoder, so truncation surfaces here.
    int result = vips_avg(image, &average, NULL);
    *timed_out = avatars_vips_deadline_passed(image);
    g_object_unref(image);
    return result;
}

int avatars_vips_thumbnail(const void *buf, size_t len, int size, int enlarge, VipsImage **out) {
    return vips_thumbnail_buffer((void *)buf, len, out, size,
        "height", size,
        "size", enlarge ? VIPS_SIZE_BOTH : VIPS_SIZE_DOWN,
        "crop", VIPS_INTERESTING_CENTRE,
        "fail_on", VIPS_FAIL_ON_TRUNCATED,
        NULL);
}

int avatars_vips_thumbnail_fit(const void *buf, size_t len, int width, int height, VipsImage **out) {
    return vips_thumbnail_buffer((void *)buf, len, out, width,
        "height", height,
        "size", VIPS_SIZE_DOWN,
        "fail_on", VIPS_FAIL_ON_TRUNCATED,
        NULL);
}

int avatars_vips_extract_inside(VipsImage *in, int left, int top, int width, int height, VipsImage **out) {
    if (width <= 0 || height <= 0 || width > in->Xsize || height > in->Ysize) {
        vips_error("avatars", "an area of %dx%d does not fit in %dx%d", width, height, in->Xsize, in->Ysize);
        return -1;
    }
    left = VIPS_CLIP(0, left, in->Xsize - width);
    top = VIPS_CLIP(0, top, in->Ysize - height);
    return vips_extract_area(in, out, left, top, width, height, NULL);
}

int avatars_vips_copy_memory(VipsImage *in, VipsImage **out) {
    *out = vips_image_copy_memory(in);
    return *out ? 0 : -1;
}

int avatars_vips_compute_here(VipsImage *in, VipsImage **out) {
    VipsImage *memory = vips_image_new_memory();
    // The new image takes the header and metadata of `in`, then memory for its pixels.
    if (vips_image_pipelinev(memory, VIPS_DEMAND_STYLE_ANY, in, NULL) || vips_image_write_prepare(memory)) {
        g_object_unref(memory);
        return -1;
    }
    // Its pixels are its own: evaluating it must not signal progress on `in`'s behalf.
    memory->progress_signal = NULL;
    VipsRegion *region = vips_region_new(in);
    int result = region ? 0 : -1;
    // Strips top to bottom, as a saver asks for them: each step upstream holds a strip's
    // worth of pixels at a time rather than the whole image.
    size_t line = VIPS_IMAGE_SIZEOF_LINE(in);
    for (int top = 0; result == 0 && top < in->Ysize; top += 64) {
        VipsRect strip = { 0, top, in->Xsize, VIPS_MIN(64, in->Ysize - top) };
        result = vips_region_prepare(region, &strip);
        for (int y = strip.top; result == 0 && y < strip.top + strip.height; y++)
            memcpy(VIPS_IMAGE_ADDR(memory, 0, y), VIPS_REGION_ADDR(region, 0, y), line);
    }
    if (region)
        g_object_unref(region);
    if (result != 0) {
        g_object_unref(memory);
        return -1;
    }
    *out = memory;
    return 0;
}

int avatars_vips_attention_square(VipsImage *in, int side, int *left, int *top) {
    VipsImage *cropped = NULL;
    if (vips_smartcrop(in, &cropped, side, side, "interesting", VIPS_INTERESTING_ATTENTION, NULL))
        return -1;
    // smartcrop records where its square lies in the input as the output's negated offsets.
    *left = -cropped->Xoffset;
    *top = -cropped->Yoffset;
    g_object_unref(cropped);
    return 0;
}

int avatars_vips_grey_pixels(VipsImage *in, void **pixels, size_t *len) {
    VipsImage *t[4] = { NULL, NULL, NULL, NULL };
    VipsImage *image = in;
    int result = 0;
    if (vips_image_hasalpha(image)) {
        result = avatars_vips_flatten(image, 255.0, 255.0, 255.0, &t[0]);
        image = t[0];
    }
    result = result || vips_colourspace(image, &t[1], VIPS_INTERPRETATION_B_W, NULL) ||
        vips_cast_uchar(t[1], &t[2], NULL) ||
        vips_extract_band(t[2], &t[3], 0, NULL);
    *pixels = result == 0 ? vips_image_write_to_memory(t[3], len) : NULL;
    for (int i = 0; i < 4; i++)
        if (t[i])
            g_object_unref(t[i]);
    return *pixels ? 0 : -1;
}

int avatars_vips_square(VipsImage *in, int size, VipsImage **out) {
    int side = VIPS_MIN(in->Xsize, in->Ysize);
    double scale = (double) size / side;
    VipsImage *t[4] = { NULL, NULL, NULL, NULL };
    int result = vips_extract_area(in, &t[0], (in->Xsize - side) / 2, (in->Ysize - side) / 2, side, side, NULL);
    // Box shrink to within 4x of the size, then Lanczos ("gap" 4): as good to the eye as
    // Lanczos over the whole factor, which libvips refuses past 1/256 (s=1 from a master),
    // and on images this small the default split (gap 2) costs two to three times as much.
    if (result == 0 && vips_image_hasalpha(t[0])) {
        // Resampled alpha must be premultiplied, or transparent pixels bleed their colour.
        result = vips_premultiply(t[0], &t[1], NULL) ||
            vips_resize(t[1], &t[2], scale, "vscale", scale, "gap", 4.0, NULL) ||
            vips_unpremultiply(t[2], &t[3], NULL) ||
            vips_cast_uchar(t[3], out, NULL);
    } else if (result == 0) {
        result = vips_resize(t[0], out, scale, "vscale", scale, "gap", 4.0, NULL);
    }
    for (int i = 0; i < 4; i++)
        if (t[i])
            g_object_unref(t[i]);
    if (result == 0 && ((*out)->Xsize != size || (*out)->Ysize != size)) {
        vips_error("avatars", "resize made %dx%d, not %dx%d", (*out)->Xsize, (*out)->Ysize, size, size);
        g_object_unref(*out);
        *out = NULL;
        return -1;
    }
    return result;
}

int avatars_vips_cast_uchar(VipsImage *in, VipsImage **out) {
    return vips_cast_uchar(in, out, NULL);
}

VipsImage *avatars_vips_from_srgb_pixels(const void *pixels, size_t len, int width, int height, int bands) {
    VipsImage *image = vips_image_new_from_memory(pixels, len, width, height, bands, VIPS_FORMAT_UCHAR);
    if (!image)
        return NULL;
    // new_from_memory guesses an interpretation from the band count; these pixels are sRGB.
    image->Type = VIPS_INTERPRETATION_sRGB;
    // Every render of a master is read top to bottom by a saver. Marked so, as a loader marks
    // a sequential decode, libvips keeps the lines a box shrink made for the Lanczos step
    // that follows instead of making them again for each tile: half the work of a render.
    vips_image_set_int(image, "vips-sequential", 1);
    return image;
}

int avatars_vips_has_icc(VipsImage *in) {
    return vips_image_get_typeof(in, VIPS_META_ICC_NAME) != 0;
}

int avatars_vips_icc_to_srgb(VipsImage *in, VipsImage **out) {
    return vips_icc_transform(in, out, "srgb",
        "embedded", TRUE,
        "intent", VIPS_INTENT_PERCEPTUAL,
        NULL);
}

int avatars_vips_colourspace_srgb(VipsImage *in, VipsImage **out) {
    return vips_colourspace(in, out, VIPS_INTERPRETATION_sRGB, NULL);
}

int avatars_vips_flatten(VipsImage *in, double red, double green, double blue, VipsImage **out) {
    VipsArrayDouble *background = vips_array_double_newv(3, red, green, blue);
    int result = vips_flatten(in, out, "background", background, NULL);
    vips_area_unref(VIPS_AREA(background));
    return result;
}

int avatars_vips_circle(VipsImage *in, VipsImage **out) {
    VipsImage *t[14] = { NULL };
    const int width = in->Xsize, height = in->Ysize;
    const double radius = (width < height ? width : height) / 2.0;
    // Pixel centres sit half a pixel in: band 0 is x, band 1 is y, both from the image's centre.
    double scale[2] = { 1.0, 1.0 };
    double offset[2] = { 0.5 - width / 2.0, 0.5 - height / 2.0 };
    const int alpha = vips_image_hasalpha(in);
    const int colours = alpha ? in->Bands - 1 : in->Bands;
    // Coverage of each pixel by the disc, 255 inside, 0 outside, ramped over one pixel;
    // casting to 8 bits clips what lies beyond.
    int result = vips_xyz(&t[0], width, height, NULL) ||
        vips_linear(t[0], &t[1], scale, offset, 2, NULL) ||
        vips_multiply(t[1], t[1], &t[2], NULL) ||
        vips_bandmean(t[2], &t[3], NULL) ||
        vips_linear1(t[3], &t[4], 2.0, 0.0, NULL) ||
        vips_pow_const1(t[4], &t[5], 0.5, NULL) ||
        vips_linear1(t[5], &t[6], -255.0, (radius + 0.5) * 255.0, NULL) ||
        vips_cast_uchar(t[6], &t[7], NULL) ||
        vips_cast_uchar(in, &t[8], NULL);
    if (result == 0 && alpha) {
        // An alpha band already there is narrowed by the disc: kept where both keep it.
        result = vips_extract_band(t[8], &t[9], 0, "n", colours, NULL) ||
            vips_extract_band(t[8], &t[10], colours, NULL) ||
            vips_multiply(t[10], t[7], &t[11], NULL) ||
            vips_linear1(t[11], &t[12], 1.0 / 255.0, 0.0, NULL) ||
            vips_cast_uchar(t[12], &t[13], NULL) ||
            vips_bandjoin2(t[9], t[13], out, NULL);
    } else if (result == 0) {
        result = vips_bandjoin2(t[8], t[7], out, NULL);
    }
    for (int i = 0; i < 14; i++)
        if (t[i]) g_object_unref(t[i]);
    return result;
}

int avatars_vips_jpeg(VipsImage *in, int quality, void **buf, size_t *len) {
    return vips_jpegsave_buffer(in, buf, len,
        "Q", quality,
        "strip", TRUE,
        "optimize_coding", TRUE,
        NULL);
}

int avatars_vips_png(VipsImage *in, void **buf, size_t *len) {
    return vips_pngsave_buffer(in, buf, len,
        "strip", TRUE,
        "compression", 6,
        NULL);
}

int avatars_vips_webp(VipsImage *in, int quality, void **buf, size_t *len) {
    return vips_webpsave_buffer(in, buf, len,
        "Q", quality,
        "strip", TRUE,
        NULL);
}

int avatars_vips_png_master(VipsImage *in, void **buf, size_t *len) {
    // Decoded for every animated render: light compression decodes fastest. Not WebP, whose
    // animation encoder merges frames that look alike into one.
    return vips_pngsave_buffer(in, buf, len,
        "strip", TRUE,
        "compression", 1,
        NULL);
}

int avatars_vips_delays(VipsImage *image, int **delays, int *count) {
    int *found = NULL;
    *delays = NULL;
    *count = 0;
    if (!vips_image_get_typeof(image, "delay") || vips_image_get_array_int(image, "delay", &found, count) || *count < 1)
        return 0;
    *delays = g_memdup2(found, sizeof(int) * (size_t)*count);
    return 1;
}

int avatars_vips_loop(VipsImage *image) {
    int loop = -1;
    if (!vips_image_get_typeof(image, "loop") || vips_image_get_int(image, "loop", &loop))
        return -1;
    return loop;
}

int avatars_vips_avif(VipsImage *in, int quality, int effort, void **buf, size_t *len) {
    return vips_heifsave_buffer(in, buf, len,
        "Q", quality,
        "compression", VIPS_FOREIGN_HEIF_COMPRESSION_AV1,
        "effort", effort,
        "strip", TRUE,
        NULL);
}

int avatars_vips_gif(VipsImage *in, void **buf, size_t *len) {
    return vips_gifsave_buffer(in, buf, len,
        "strip", TRUE,
        NULL);
}

// The frames of `in` (pages of page-height rows, with "delay" and "loop" when known) cut
// and resampled as `avatars_vips_animated_square` says. `in` stays the caller's.
static int animated_square_of(VipsImage *in, int left, int top, int side, int size, int circle, int centiseconds,
                              VipsImage **out) {
    const int page_height = vips_image_get_page_height(in);
    const int pages = page_height > 0 ? in->Ysize / page_height : 0;
    const int swap = vips_image_get_orientation_swap(in);
    const int upright_width = swap ? page_height : in->Xsize, upright_height = swap ? in->Xsize : page_height;
    if (pages < 1 || side < 1 || left < 0 || top < 0 || left > upright_width - side || top > upright_height - side) {
        vips_error("avatars", "the square does not lie within the %dx%d frames", upright_width, upright_height);
        return -1;
    }
    VipsImage **frames = g_new0(VipsImage *, pages);
    int result = 0;
    for (int i = 0; i < pages && result == 0; i++) {
        VipsImage *frame = NULL, *upright = NULL, *cut = NULL, *square = NULL;
        result = vips_extract_area(in, &frame, 0, i * page_height, in->Xsize, page_height, NULL) ||
            vips_autorot(frame, &upright, NULL) ||
            vips_extract_area(upright, &cut, left, top, side, side, NULL) ||
            avatars_vips_square(cut, size, &square);
        if (frame)
            g_object_unref(frame);
        if (upright)
            g_object_unref(upright);
        if (cut)
            g_object_unref(cut);
        if (result == 0 && circle) {
            VipsImage *disc = NULL;
            result = avatars_vips_circle(square, &disc);
            g_object_unref(square);
            square = disc;
        }
        frames[i] = square;
    }
    VipsImage *strip = NULL;
    if (result == 0)
        result = vips_arrayjoin(frames, &strip, pages, "across", 1, NULL);
    for (int i = 0; i < pages; i++)
        if (frames[i])
            g_object_unref(frames[i]);
    g_free(frames);
    VipsImage *copy = NULL;
    if (result == 0)
        result = vips_copy(strip, &copy, NULL);
    if (strip)
        g_object_unref(strip);
    if (result != 0)
        return result;
    vips_image_set_int(copy, "page-height", size);
    int *delays = NULL, count = 0;
    if (vips_image_get_typeof(in, "delay") && vips_image_get_array_int(in, "delay", &delays, &count) == 0 && count > 0) {
        int *kept = g_new(int, pages);
        for (int i = 0; i < pages; i++) {
            const int delay = VIPS_MAX(0, i < count ? delays[i] : delays[count - 1]);
            // GIF counts centiseconds: halves round up, so every encoder shows the same times.
            kept[i] = centiseconds ? (delay / 10 + (delay % 10 >= 5)) * 10 : delay;
        }
        vips_image_set_array_int(copy, "delay", kept, pages);
        g_free(kept);
    }
    int loop = 0;
    if (vips_image_get_typeof(in, "loop") && vips_image_get_int(in, "loop", &loop) == 0)
        vips_image_set_int(copy, "loop", loop);
    *out = copy;
    return 0;
}

int avatars_vips_animated_square(const void *buf, size_t len, int left, int top, int side, int size, int circle,
                                 int centiseconds, VipsImage **out) {
    VipsImage *in = vips_image_new_from_buffer(buf, len, "", "n", -1, "fail_on", VIPS_FAIL_ON_TRUNCATED, NULL);
    if (!in)
        return -1;
    const int result = animated_square_of(in, left, top, side, size, circle, centiseconds, out);
    g_object_unref(in);
    return result;
}

int avatars_vips_animated_master_square(const void *png, size_t len, int side, const int *delays, int pages, int loop,
                                        int size, int circle, int centiseconds, VipsImage **out) {
    VipsImage *loaded = NULL, *in = NULL;
    if (vips_pngload_buffer((void *)png, len, &loaded, "fail_on", VIPS_FAIL_ON_TRUNCATED, NULL))
        return -1;
    const int fits = pages > 0 && side > 0 && loaded->Xsize == side && loaded->Ysize / side == pages &&
        loaded->Ysize % side == 0;
    if (!fits || vips_copy(loaded, &in, NULL)) {
        if (!fits)
            vips_error("avatars", "the master is not %d frames of %d px", pages, side);
        g_object_unref(loaded);
        return -1;
    }
    g_object_unref(loaded);
    vips_image_set_int(in, "page-height", side);
    if (delays)
        vips_image_set_array_int(in, "delay", delays, pages);
    if (loop >= 0)
        vips_image_set_int(in, "loop", loop);
    const int result = animated_square_of(in, 0, 0, side, size, circle, centiseconds, out);
    g_object_unref(in);
    return result;
}
