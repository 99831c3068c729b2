#ifndef AVATARS_PROCESS_H
#define AVATARS_PROCESS_H

/// Bounds glibc's malloc arenas to `arenas`, unless MALLOC_ARENA_MAX is set. Process-wide:
/// call once at start-up, before any thread exists.
void avatars_limit_malloc_arenas(int arenas);

#endif
