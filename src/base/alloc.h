/* Checked, aligned allocation (floor 1: base). Every size computation that
 * could overflow goes through size_mul so that an absurd shape becomes
 * SENET_ERR_NOMEM instead of a short buffer. */
#ifndef SENET_BASE_ALLOC_H
#define SENET_BASE_ALLOC_H

#include <stddef.h>

#define SENET_ALIGN 64

/* 64-byte aligned; NULL on failure or a zero size. Free with aligned_free. */
void *aligned_alloc_checked(size_t bytes);
/* As above, zero-filled. */
void *aligned_calloc_checked(size_t count, size_t size);
void aligned_free(void *p);

/* Hands the whole pages inside [p, p + bytes) back to the system, so they
 * leave the resident set: anonymous memory reads as zeros afterwards, a
 * file mapping reads the file again. For memory that will not be read (or
 * may be read again from its file); a no-op where the system lacks it. */
void release_pages(const void *p, size_t bytes);

/* a * b, or 0 with *overflow set when it does not fit. */
size_t size_mul(size_t a, size_t b, int *overflow);

#endif
