/* Aligned allocation with overflow checks. */
#define _POSIX_C_SOURCE 200112L
#include "alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
