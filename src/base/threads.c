/* Thread count, kept here so that ops ask one place. */
#include "threads.h"

#include "senet.h"

#ifdef _OPENMP
#include <omp.h>
#endif

static int thread_count = 0; /* 0: all cores */
/* a net's own count while one of its calls runs on this thread (0: none) */
static _Thread_local int call_count = 0;

int threads_get(void)
{
#ifdef _OPENMP
    if (call_count > 0)
        return call_count;
    return thread_count > 0 ? thread_count : omp_get_num_procs();
#else
    return 1;
#endif
}

int threads_index(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

void threads_set(int threads) { thread_count = threads > 0 ? threads : 0; }

int threads_scope_begin(int threads)
{
    int before = call_count;
    call_count = threads > 0 ? threads : 0;
    return before;
}

void threads_scope_end(int before) { call_count = before; }

void senet_set_threads(int threads) { threads_set(threads); }
int senet_get_threads(void) { return threads_get(); }

int threads_team_size(void)
{
#ifdef _OPENMP
    return omp_get_num_threads();
#else
    return 1;
#endif
}
