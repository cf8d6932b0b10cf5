/* Per-thread, per-slot grow-only scratch blocks. The blocks hang off a
 * pthread key whose destructor frees them when the thread ends, so a
 * program that calls senet from short-lived threads does not leak them. */
#include "scratch.h"

#include "alloc.h"

#include <pthread.h>
#include <stdlib.h>

typedef struct scratch_blocks {
    void *data[SCRATCH_SLOTS];
    size_t bytes[SCRATCH_SLOTS];
} scratch_blocks;

static pthread_key_t blocks_key;
static pthread_once_t blocks_once = PTHREAD_ONCE_INIT;
static int key_ok;

static void free_blocks(void *p)
{
    scratch_blocks *b = p;
    for (int i = 0; i < SCRATCH_SLOTS; i++)
        aligned_free(b->data[i]);
    free(b);
}

static void make_key(void) { key_ok = pthread_key_create(&blocks_key, free_blocks) == 0; }

static scratch_blocks *my_blocks(int create)
{
    pthread_once(&blocks_once, make_key);
    if (!key_ok)
        return NULL;
    scratch_blocks *b = pthread_getspecific(blocks_key);
    if (!b && create) {
        b = calloc(1, sizeof *b);
        if (b && pthread_setspecific(blocks_key, b) != 0) {
            free(b);
            b = NULL;
        }
    }
    return b;
}

void *scratch_get(scratch_slot slot, size_t bytes)
{
    scratch_blocks *b = my_blocks(1);
    if (!b)
        return NULL;
    if (bytes <= b->bytes[slot])
        return b->data[slot];
    aligned_free(b->data[slot]);
    /* A little headroom so that slowly growing requests do not reallocate each time. */
    size_t want = bytes + bytes / 8 < bytes ? bytes : bytes + bytes / 8;
    b->data[slot] = aligned_alloc_checked(want);
    b->bytes[slot] = b->data[slot] ? want : 0;
    return b->data[slot];
}

void scratch_release(void)
{
    scratch_blocks *b = my_blocks(0);
    if (!b)
        return;
    pthread_setspecific(blocks_key, NULL);
    free_blocks(b);
}
