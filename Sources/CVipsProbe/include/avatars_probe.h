// Test-only probes that decode an encoded image and report what the tests assert on.
#ifndef AVATARS_PROBE_H
#define AVATARS_PROBE_H

#include <stddef.h>

typedef struct {
    int width;
    int height;
    int bands;
    int is_srgb;
    int has_exif;
    int has_icc;
    int pages;
} avatars_probe_info;

/// Decodes `buf` and fills `info`; returns 0 on success.
int avatars_probe(const void *buf, size_t len, avatars_probe_info *info);

/// Reads the pixel at (x, y) of the first frame into `out` (up to 4 bands); returns the
/// number of bands, or -1.
int avatars_probe_pixel(const void *buf, size_t len, int x, int y, double out[4]);

/// Every frame's delay in ms (up to `capacity` of them) and the loop count (-1 when none);
/// returns how many delays the image has, or -1.
int avatars_probe_animation(const void *buf, size_t len, int *delays, int capacity, int *loop);

/// As avatars_probe_pixel, in frame `frame` of an animation.
int avatars_probe_frame_pixel(const void *buf, size_t len, int frame, int x, int y, double out[4]);

#endif
