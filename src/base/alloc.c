/* Aligned allocation with overflow checks. */
#define _DEFAULT_SOURCE /* madvise */
#include "alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/mman.h>
#include <unistd.h>
#endif

void *aligned_alloc_checked(size_t bytes)
{
    if (bytes == 0 || bytes > SIZE_MAX - SENET_ALIGN)
        return NULL;
    void *p = NULL;
    if (posix_memalign(&p, SENET_ALIGN, bytes) != 0)
        return NULL;
    return p;
}

void *aligned_calloc_checked(size_t count, size_t size)
{
    int overflow = 0;
    size_t bytes = size_mul(count, size, &overflow);
    if (overflow)
        return NULL;
    void *p = aligned_alloc_checked(bytes);
    if (p)
        memset(p, 0, bytes);
    return p;
}

void aligned_free(void *p) { free(p); }

size_t size_mul(size_t a, size_t b, int *overflow)
{
    if (a != 0 && b > SIZE_MAX / a) {
        *overflow = 1;
        return 0;
    }
    return a * b;
}

void release_pages(const void *p, size_t bytes)
{
#ifdef __linux__
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0 || !p)
        return;
    uintptr_t begin = ((uintptr_t)p + (uintptr_t)page - 1) / (uintptr_t)page * (uintptr_t)page;
    uintptr_t end = ((uintptr_t)p + bytes) / (uintptr_t)page * (uintptr_t)page;
    if (end > begin)
        madvise((void *)begin, end - begin, MADV_DONTNEED); /* advice: a failure only keeps the pages */
#else
    (void)p;
    (void)bytes;
#endif
}
