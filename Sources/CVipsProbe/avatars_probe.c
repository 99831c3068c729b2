#include "avatars_probe.h"
#include <vips/vips.h>

int avatars_probe(const void *buf, size_t len, avatars_probe_info *info) {
    if (VIPS_INIT("avatars-probe") != 0)
        return -1;
    VipsImage *image = vips_image_new_from_buffer(buf, len, "", NULL);
    if (!image)
        return -1;
    info->width = vips_image_get_width(image);
    info->height = vips_image_get_height(image);
    info->bands = vips_image_get_bands(image);
    info->is_srgb = vips_image_get_interpretation(image) == VIPS_INTERPRETATION_sRGB;
    info->has_exif = vips_image_get_typeof(image, VIPS_META_EXIF_NAME) != 0;
    info->has_icc = vips_image_get_typeof(image, VIPS_META_ICC_NAME) != 0;
    info->pages = vips_image_get_n_pages(image);
    g_object_unref(image);
    return 0;
}

/// Reads the pixel at (x, y) of `image` into `out` (up to 4 bands) and lets the image go;
/// returns the number of bands, or -1.
static int point(VipsImage *image, int x, int y, double out[4]) {
    double *vector = NULL;
    int n = 0;
    int result = vips_getpoint(image, &vector, &n, x, y, NULL);
    g_object_unref(image);
    if (result != 0)
        return -1;
    for (int i = 0; i < n && i < 4; i++)
        out[i] = vector[i];
    g_free(vector);
    return n;
}

int avatars_probe_pixel(const void *buf, size_t len, int x, int y, double out[4]) {
    if (VIPS_INIT("avatars-probe") != 0)
        return -1;
    VipsImage *image = vips_image_new_from_buffer(buf, len, "", NULL);
    if (!image)
        return -1;
    return point(image, x, y, out);
}

int avatars_probe_animation(const void *buf, size_t len, int *delays, int capacity, int *loop) {
    if (VIPS_INIT("avatars-probe") != 0)
        return -1;
    VipsImage *image = vips_image_new_from_buffer(buf, len, "", "n", -1, NULL);
    if (!image)
        return -1;
    int *found = NULL, count = 0;
    if (vips_image_get_array_int(image, "delay", &found, &count) != 0)
        count = 0;
    for (int i = 0; i < count && i < capacity; i++)
        delays[i] = found[i];
    *loop = -1;
    vips_image_get_int(image, "loop", loop);
    g_object_unref(image);
    return count;
}

int avatars_probe_frame_pixel(const void *buf, size_t len, int frame, int x, int y, double out[4]) {
    if (VIPS_INIT("avatars-probe") != 0)
        return -1;
    VipsImage *image = vips_image_new_from_buffer(buf, len, "", "n", -1, NULL);
    if (!image)
        return -1;
    return point(image, x, frame * vips_image_get_page_height(image) + y, out);
}
