// A C interface over OpenCV's cascade face detector, for Swift (which cannot import C++ here).
#ifndef AVATARS_FACES_H
#define AVATARS_FACES_H

#ifdef __cplusplus
extern "C" {
#endif

/// A loaded cascade classifier.
typedef struct avatars_faces avatars_faces;

/// Loads `copies` copies of the cascade in the XML file at `path` (one per thread that may
/// detect at once) and turns OpenCV's own threads off, so a detection runs on the calling
/// thread alone. NULL when the file cannot be loaded.
avatars_faces *avatars_faces_load(const char *path, int copies);

/// Frees a detector from avatars_faces_load.
void avatars_faces_free(avatars_faces *detector);

/// Finds faces at least `min_side` pixels wide in `width` x `height` 8-bit grey pixels
/// (rows `stride` bytes apart), read in place. Writes up to `max` boxes as x, y, w, h into
/// `boxes` (4 ints each) and returns how many it found (possibly more than `max`), or -1
/// on failure. Up to `copies` detections run at once; the pixels are never kept.
int avatars_faces_detect(avatars_faces *detector, const unsigned char *grey, int width, int height, int stride,
    int min_side, int *boxes, int max);

#ifdef __cplusplus
}
#endif

#endif
