/* Per-thread, per-slot grow-only scratch blocks. */
#include "scratch.h"

#include "alloc.h"

static _Thread_local struct {
    void *data;
    size_t bytes;
} blocks[SCRATCH_SLOTS];

void *scratch_get(scratch_slot slot, size_t bytes)
{
    if (bytes <= blocks[slot].bytes)
        return blocks[slot].data;
    aligned_free(blocks[slot].data);
    /* A little headroom so that slowly growing requests do not reallocate each time. */
    size_t want = bytes + bytes / 8 < bytes ? bytes : bytes + bytes / 8;
    blocks[slot].data = aligned_alloc_checked(want);
    blocks[slot].bytes = blocks[slot].data ? want : 0;
    return blocks[slot].data;
}

void scratch_release(void)
{
    for (int i = 0; i < SCRATCH_SLOTS; i++) {
        aligned_free(blocks[i].data);
        blocks[i].data = NULL;
        blocks[i].bytes = 0;
    }
}
