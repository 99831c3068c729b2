#define _GNU_SOURCE
#include "avatars_process.h"
#include <malloc.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

void avatars_limit_malloc_arenas(int arenas) {
    if (getenv("MALLOC_ARENA_MAX") == NULL)
        mallopt(M_ARENA_MAX, arenas);
}

int avatars_set_thread_niceness(int niceness) {
    return setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), niceness);
}

int avatars_set_thread_niceness_once(int niceness) {
    // One flag per thread: the nice value it was set to, plus one (0 means never set).
    static __thread int set = 0;
    if (set == niceness + 1)
        return 0;
    int result = avatars_set_thread_niceness(niceness);
    if (result == 0)
        set = niceness + 1;
    return result;
}

int avatars_name_thread_once(const char *name) {
    static __thread int named = 0;
    if (named)
        return 0;
    int result = prctl(PR_SET_NAME, name, 0, 0, 0);
    if (result == 0)
        named = 1;
    return result;
}
