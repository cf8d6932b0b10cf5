/* The batch loader (floor 5: data): batches of preprocessed images and
 * their labels, prepared on a background thread while the caller computes.
 *
 * Order. Each epoch visits the dataset in a permutation that depends on
 * (seed, epoch) only, and each sample's augmentation draws from a random
 * stream that depends on (seed, epoch, position in the epoch) only. So a
 * run resumed at batch k of epoch e (loader_start_epoch(l, e, k)) sees the
 * very batches, pixel for pixel, that an uninterrupted run sees there, and
 * the result does not depend on sharding or on timing.
 *
 * Batches. Global batch b holds positions [b * B, min((b + 1) * B, N)) of
 * the epoch's permutation (B = batch_size). With sharding (world P > 1),
 * rank r takes positions b * B + r, b * B + r + P, ... of each global batch,
 * so the P ranks together see every sample of the epoch exactly once.
 *
 * Buffering. Two batch buffers: the caller holds the one loader_next
 * returned last while the thread fills the other with the next batch. A
 * returned batch stays valid until the next loader_next, loader_start_epoch
 * or loader_free. The dataset must outlive the loader; the loader only
 * reads it. */
#ifndef SENET_DATA_LOADER_H
#define SENET_DATA_LOADER_H

#include "dataset.h"
#include "preprocess.h"

#include <stdint.h>

typedef struct loader loader; /* opaque */

typedef struct loader_options {
    int batch_size;   /* the global batch, all ranks together */
    uint64_t seed;    /* fixes every epoch's order and every augmentation */
    int shuffle;      /* 1: a new permutation each epoch; 0: dataset order */
    int drop_last;    /* 1: leave out a last batch smaller than batch_size */
    int rank, world;  /* this process's shard of each batch; 0 and 1 when alone */
} loader_options;

typedef struct loader_batch {
    const float *images;     /* (n, 3, h, w), normalised */
    const int64_t *labels;   /* (n) */
    const int64_t *indices;  /* (n) the dataset index of each sample */
    int n;                   /* this rank's samples; may be 0 in a short last batch */
    int h, w;
    int64_t batch;           /* its number in the epoch */
    int end;                 /* 1: the epoch has no more batches (the rest is unset) */
} loader_batch;

/* Checks the options and starts the thread; no epoch is started yet.
 * SENET_ERR_ARGUMENT for bad options, SENET_ERR_SHAPE when the output size
 * cannot be known (an image folder with a pipeline that keeps sizes). */
int loader_create(const dataset *ds, const preprocess *prep, const loader_options *opt, loader **out);
void loader_free(loader *l);

/* Global batches per epoch (the same on every rank). */
int64_t loader_num_batches(const loader *l);
/* The most samples a batch of this rank holds, and the image size. */
void loader_batch_shape(const loader *l, int *max_n, int *h, int *w);

/* Starts (or restarts) epoch `epoch` at global batch first_batch (0 for the
 * whole epoch), dropping any batch prepared before. */
int loader_start_epoch(loader *l, int64_t epoch, int64_t first_batch);

/* The next batch of the epoch, waiting for it if it is not ready. After
 * the last one, returns SENET_OK with out->end = 1. An image that fails to
 * read or preprocess fails this call with the reader's message (naming the
 * file); the loader then refuses further batches (SENET_ERR_STATE) until
 * loader_start_epoch. */
int loader_next(loader *l, loader_batch *out);

/* The order of epoch `epoch`: perm (count) receives a permutation of
 * 0 .. count - 1 (the identity when shuffle is 0). */
void loader_permutation(uint64_t seed, int64_t epoch, int shuffle, int64_t count, int64_t *perm);

#endif
