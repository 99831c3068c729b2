/* The miss baseline: libvips called directly on the same work the server does per miss
 * (read the original's bytes, vips_thumbnail_buffer to an N x N centre crop, sRGB where the
 * input needs it, flatten for JPEG, save with the server's settings), on THREADS threads.
 * With "masters", as the server does for sizes up to 512: each original is first shrunk
 * once to its master (centre square of at most 512 px, sRGB, in memory; made before the
 * clock starts, as the server makes its masters at upload), and every render of that
 * original is made from it (box shrink and Lanczos, "gap" 4).
 *
 *   cc -O2 -o direct-libvips bench/direct-libvips.c $(pkg-config --cflags --libs vips) -lpthread
 *   ./direct-libvips THREADS [each|masters] < jobs   # a job per line: PATH SIZE FORMAT (jpeg|png|webp|avif)
 *
 * Prints: renders, seconds, renders/s, CPU seconds of the renders; with "each", first one line per job: PATH SIZE FORMAT
 * and the seconds that render took. */
#include <vips/vips.h>
#include <vips/vector.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

typedef struct { char path[4096]; int size; char format[8]; double seconds; VipsImage *master; } job;

static job *jobs;
static int job_count;
static int next_job;
static int failures;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* An original shrunk to its master: upright, centre square of at most 512 px, sRGB, in memory. */
static VipsImage *make_master(const char *path) {
    gchar *bytes; gsize length;
    if (!g_file_get_contents(path, &bytes, &length, NULL)) return NULL;
    VipsImage *image = NULL, *next = NULL;
    int result = vips_thumbnail_buffer(bytes, length, &image, 512, "height", 512,
        "size", VIPS_SIZE_DOWN, "crop", VIPS_INTERESTING_CENTRE, "fail_on", VIPS_FAIL_ON_TRUNCATED, NULL);
    if (result == 0 && vips_image_get_typeof(image, VIPS_META_ICC_NAME)) {
        result = vips_icc_transform(image, &next, "srgb", "embedded", TRUE, "intent", VIPS_INTENT_PERCEPTUAL, NULL);
        g_object_unref(image); image = next;
    }
    if (result == 0 && vips_image_get_interpretation(image) != VIPS_INTERPRETATION_sRGB) {
        result = vips_colourspace(image, &next, VIPS_INTERPRETATION_sRGB, NULL);
        g_object_unref(image); image = next;
    }
    if (result == 0) {
        next = vips_image_copy_memory(image);
        g_object_unref(image); image = next;
    }
    g_free(bytes);
    return result == 0 ? image : NULL;
}

/* The square of `size` from a master, as the server resamples it. */
static int from_master(VipsImage *master, int size, VipsImage **out) {
    int side = VIPS_MIN(master->Xsize, master->Ysize);
    double scale = (double)size / side;
    VipsImage *square = NULL, *t1 = NULL, *t2 = NULL;
    int result = vips_extract_area(master, &square, (master->Xsize - side) / 2, (master->Ysize - side) / 2, side, side, NULL);
    if (result == 0 && vips_image_hasalpha(square))
        result = vips_premultiply(square, &t1, NULL) || vips_resize(t1, &t2, scale, "vscale", scale, "gap", 4.0, NULL) ||
            vips_unpremultiply(t2, out, NULL);
    else if (result == 0)
        result = vips_resize(square, out, scale, "vscale", scale, "gap", 4.0, NULL);
    if (square) g_object_unref(square);
    if (t1) g_object_unref(t1);
    if (t2) g_object_unref(t2);
    return result;
}

static int render(const job *j) {
    gchar *bytes = NULL; gsize length;
    VipsImage *image = NULL, *next = NULL;
    int result;
    if (j->master) {
        result = from_master(j->master, j->size, &image);
        if (result == 0 && vips_image_get_format(image) != VIPS_FORMAT_UCHAR) {
            result = vips_cast_uchar(image, &next, NULL);
            g_object_unref(image); image = next;
        }
    } else {
        if (!g_file_get_contents(j->path, &bytes, &length, NULL)) return -1;
        result = vips_thumbnail_buffer(bytes, length, &image, j->size, "height", j->size,
            "size", VIPS_SIZE_BOTH, "crop", VIPS_INTERESTING_CENTRE, "fail_on", VIPS_FAIL_ON_TRUNCATED, NULL);
    }
    if (result == 0 && !j->master && vips_image_get_typeof(image, VIPS_META_ICC_NAME)) {
        result = vips_icc_transform(image, &next, "srgb", "embedded", TRUE, "intent", VIPS_INTENT_PERCEPTUAL, NULL);
        g_object_unref(image); image = next;
    }
    if (result == 0 && !j->master && vips_image_get_interpretation(image) != VIPS_INTERPRETATION_sRGB) {
        result = vips_colourspace(image, &next, VIPS_INTERPRETATION_sRGB, NULL);
        g_object_unref(image); image = next;
    }
    if (result == 0 && strcmp(j->format, "jpeg") == 0 && vips_image_hasalpha(image)) {
        VipsArrayDouble *white = vips_array_double_newv(1, 255.0);
        result = vips_flatten(image, &next, "background", white, NULL);
        vips_area_unref(VIPS_AREA(white));
        g_object_unref(image); image = next;
    }
    void *out = NULL; size_t out_length = 0;
    if (result == 0) {
        if (strcmp(j->format, "jpeg") == 0)
            result = vips_jpegsave_buffer(image, &out, &out_length, "Q", 80, "strip", TRUE, "optimize_coding", TRUE, NULL);
        else if (strcmp(j->format, "png") == 0)
            result = vips_pngsave_buffer(image, &out, &out_length, "strip", TRUE, "compression", 6, NULL);
        else if (strcmp(j->format, "webp") == 0)
            result = vips_webpsave_buffer(image, &out, &out_length, "Q", 80, "strip", TRUE, NULL);
        else
            result = vips_heifsave_buffer(image, &out, &out_length, "Q", 80,
                "compression", VIPS_FOREIGN_HEIF_COMPRESSION_AV1, "effort", 2, "strip", TRUE, NULL);
    }
    if (image) g_object_unref(image);
    g_free(out);
    g_free(bytes);
    return result;
}

static double cpu_seconds(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void *worker(void *unused) {
    (void)unused;
    for (;;) {
        pthread_mutex_lock(&lock);
        int mine = next_job < job_count ? next_job++ : -1;
        pthread_mutex_unlock(&lock);
        if (mine < 0) return NULL;
        double started = now();
        int result = render(&jobs[mine]);
        jobs[mine].seconds = now() - started;
        if (result != 0) {
            pthread_mutex_lock(&lock); failures++; pthread_mutex_unlock(&lock);
            vips_error_clear();
        }
    }
}

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3) { fprintf(stderr, "usage: %s THREADS [each|masters] < jobs\n", argv[0]); return 2; }
    if (VIPS_INIT(argv[0])) vips_error_exit(NULL);
    vips_cache_set_max(0);
    // As the server: Debian 12's liborc crashes when vector paths resize in several threads.
    vips_vector_set_enabled(FALSE);
    int threads = atoi(argv[1]);
    int capacity = 1024;
    jobs = malloc(sizeof(job) * capacity);
    job j;
    j.master = NULL;
    while (scanf("%4095s %d %7s", j.path, &j.size, j.format) == 3) {
        if (job_count == capacity) jobs = realloc(jobs, sizeof(job) * (capacity *= 2));
        jobs[job_count++] = j;
    }
    if (argc == 3 && strcmp(argv[2], "masters") == 0) {
        /* One master per original, shared by its jobs up to 512 px; not timed. */
        for (int i = 0; i < job_count; i++) {
            if (jobs[i].size > 512 || jobs[i].master) continue;
            VipsImage *master = make_master(jobs[i].path);
            if (!master) { fprintf(stderr, "no master for %s: %s\n", jobs[i].path, vips_error_buffer()); return 1; }
            for (int k = i; k < job_count; k++)
                if (jobs[k].size <= 512 && strcmp(jobs[k].path, jobs[i].path) == 0) jobs[k].master = master;
        }
    }
    double start = now(), cpu_start = cpu_seconds();
    pthread_t *pool = malloc(sizeof(pthread_t) * threads);
    for (int i = 0; i < threads; i++) pthread_create(&pool[i], NULL, worker, NULL);
    for (int i = 0; i < threads; i++) pthread_join(pool[i], NULL);
    double seconds = now() - start, cpu = cpu_seconds() - cpu_start;
    if (argc == 3 && strcmp(argv[2], "each") == 0)
        for (int i = 0; i < job_count; i++)
            printf("%s %d %s %.6f\n", jobs[i].path, jobs[i].size, jobs[i].format, jobs[i].seconds);
    printf("%d %.3f %.2f %.3f\n", job_count - failures, seconds, (job_count - failures) / seconds, cpu);
    return failures ? 1 : 0;
}
