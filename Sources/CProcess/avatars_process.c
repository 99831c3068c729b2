#include "avatars_process.h"
#include <malloc.h>
#include <stdlib.h>

void avatars_limit_malloc_arenas(int arenas) {
    if (getenv("MALLOC_ARENA_MAX") == NULL)
        mallopt(M_ARENA_MAX, arenas);
}
