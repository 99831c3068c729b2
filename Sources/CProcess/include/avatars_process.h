#ifndef AVATARS_PROCESS_H
#define AVATARS_PROCESS_H

/// Bounds glibc's malloc arenas to `arenas`, unless MALLOC_ARENA_MAX is set. Process-wide:
/// call once at start-up, before any thread exists.
void avatars_limit_malloc_arenas(int arenas);

/// Sets the calling thread's nice value (Linux keeps one per thread), so its work yields the
/// CPU to the process's other threads. Returns 0, or -1 with errno set.
int avatars_set_thread_niceness(int niceness);

/// As avatars_set_thread_niceness, once per thread: later calls on a thread already set
/// cost no system call. Returns 0, or -1 with errno set.
int avatars_set_thread_niceness_once(int niceness);

/// Names the calling thread (the first 15 bytes of `name`), once per thread, so `top -H`,
/// `perf` and /proc show which pool a thread belongs to. Returns 0, or -1 with errno set.
int avatars_name_thread_once(const char *name);

#endif
