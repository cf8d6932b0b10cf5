/* Scratch memory kept between calls. Ops such as convolution need large
 * temporary buffers on every call; allocating them afresh each time costs
 * page faults that measured ~10% of a training step. Each calling thread
 * keeps one grow-only block per slot, so nets run from different user
 * threads never share one. */
#ifndef SENET_BASE_SCRATCH_H
#define SENET_BASE_SCRATCH_H

#include <stddef.h>

typedef enum scratch_slot {
    SCRATCH_CONV,  /* conv2d: permuted weights, im2col, per-thread partials */
    SCRATCH_GEMM,  /* gemm(): packing panels */
    SCRATCH_PACKED, /* conv2d: weights packed for one call */
    SCRATCH_SLOTS
} scratch_slot;

/* At least `bytes` bytes, 64-byte aligned, contents undefined; valid until
 * the next scratch_get of the same slot on this thread. NULL when memory
 * cannot be had. */
void *scratch_get(scratch_slot slot, size_t bytes);

/* Frees this thread's blocks (senet_net_free calls it). */
void scratch_release(void);

#endif
