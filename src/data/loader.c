/* The batch loader: one background pthread and two batch buffers.
 *
 * The thread fills batches in order, one ahead of the caller: it takes the
 * buffer the caller does not hold, fills batch next_fill, marks it ready and
 * waits for the caller to hand the other buffer back (by asking for the next
 * batch). loader_start_epoch bumps a generation counter, which the thread
 * checks between samples, so an epoch restarted mid-batch abandons the old
 * work quickly; the caller then waits only for the thread to notice.
 * Error messages are per thread (senet_last_error), so a failure on the
 * loader thread is copied into the buffer and raised again by loader_next. */
#include "loader.h"

#include "../base/alloc.h"
#include "../base/status.h"
#include "draw.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Tags that keep the permutation and augmentation streams apart. */
#define STREAM_PERMUTATION 0x7065726d75746174ULL
#define STREAM_AUGMENT 0x6175676d656e7421ULL

enum slot_state { SLOT_FREE, SLOT_FILLING, SLOT_READY, SLOT_HELD };

typedef struct slot {
    float *images;      /* (max_n, 3, h, w) */
    int64_t *labels;    /* (max_n) */
    int64_t *indices;   /* (max_n) */
    int n;
    int64_t batch;
    enum slot_state state;
    int status;         /* of filling it; SENET_OK or the failure */
    char message[1024]; /* senet_last_error() of the loader thread on failure */
} slot;

struct loader {
    const dataset *ds;
    preprocess prep;
    loader_options opt;
    int h, w, max_n;
    int64_t count, num_batches;
    int64_t *perm;          /* (count) the current epoch's order */
    slot slots[2];
    image_u8 image;         /* the thread's decode buffer */

    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;      /* every change of the fields below is broadcast */
    atomic_uint generation; /* bumped by each start_epoch and by free */
    int started, failed, stop, busy;
    int64_t epoch;
    int64_t next_fill;      /* the next batch the thread prepares */
    int64_t next_out;       /* the next batch loader_next hands out */
};

void loader_permutation(uint64_t seed, int64_t epoch, int shuffle, int64_t count, int64_t *perm)
{
    for (int64_t i = 0; i < count; i++)
        perm[i] = i;
    if (!shuffle)
        return;
    rng r;
    rng_seed(&r, draw_mix(seed ^ STREAM_PERMUTATION, (uint64_t)epoch, 0));
    for (int64_t i = count - 1; i > 0; i--) { /* Fisher-Yates */
        int64_t j = (int64_t)draw_below(&r, (uint64_t)i + 1);
        int64_t t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}

/* Fills slot s with global batch b of the epoch; -1 when the generation
 * moved on (the work is abandoned), else a status. Runs without the lock:
 * perm, epoch and the slot are not touched by anyone else meanwhile. */
static int fill(loader *l, slot *s, int64_t b, int64_t epoch, unsigned gen)
{
    int64_t begin = b * l->opt.batch_size;
    int64_t nb = l->count - begin < l->opt.batch_size ? l->count - begin : l->opt.batch_size;
    size_t chw = (size_t)3 * (size_t)l->h * (size_t)l->w;
    int k = 0;
    for (int64_t q = l->opt.rank; q < nb; q += l->opt.world) {
        if (atomic_load(&l->generation) != gen)
            return -1;
        int64_t pos = begin + q, index = l->perm[pos];
        TRY(dataset_get(l->ds, index, &l->image));
        int h, w;
        TRY(preprocess_output_size(&l->prep, l->image.h, l->image.w, &h, &w));
        if (h != l->h || w != l->w)
            return senet_fail(SENET_ERR_SHAPE, "image %lld of the %s dataset gives %dx%d, the batch is %dx%d",
                              (long long)index, dataset_format(l->ds), w, h, l->w, l->h);
        rng r;
        rng_seed(&r, draw_mix(l->opt.seed ^ STREAM_AUGMENT, (uint64_t)epoch, (uint64_t)pos));
        TRY(preprocess_apply(&l->prep, &l->image, &r, s->images + (size_t)k * chw));
        s->labels[k] = l->image.label;
        s->indices[k] = index;
        k++;
    }
    s->n = k;
    return SENET_OK;
}

static void *worker(void *arg)
{
    loader *l = arg;
    pthread_mutex_lock(&l->mu);
    for (;;) {
        slot *s = NULL;
        if (!l->stop && l->started && !l->failed && l->next_fill < l->num_batches)
            for (int i = 0; i < 2 && !s; i++)
                if (l->slots[i].state == SLOT_FREE)
                    s = &l->slots[i];
        if (l->stop)
            break;
        if (!s) {
            pthread_cond_wait(&l->cv, &l->mu);
            continue;
        }
        int64_t b = l->next_fill++, epoch = l->epoch;
        unsigned gen = atomic_load(&l->generation);
        s->state = SLOT_FILLING;
        l->busy = 1;
        pthread_mutex_unlock(&l->mu);

        int status = fill(l, s, b, epoch, gen);
        if (status > 0)
            snprintf(s->message, sizeof s->message, "%s", senet_last_error());

        pthread_mutex_lock(&l->mu);
        l->busy = 0;
        if (status < 0 || atomic_load(&l->generation) != gen) {
            s->state = SLOT_FREE;
        } else {
            s->status = status;
            s->batch = b;
            s->state = SLOT_READY;
        }
        pthread_cond_broadcast(&l->cv);
    }
    pthread_mutex_unlock(&l->mu);
    return NULL;
}

static int check_options(const dataset *ds, const preprocess *prep, const loader_options *o, int *h, int *w)
{
    if (o->batch_size <= 0)
        return senet_fail(SENET_ERR_ARGUMENT, "batch size %d must be positive", o->batch_size);
    if (o->world < 1 || o->rank < 0 || o->rank >= o->world)
        return senet_fail(SENET_ERR_ARGUMENT, "shard rank %d of %d is invalid", o->rank, o->world);
    if (dataset_count(ds) <= 0)
        return senet_fail(SENET_ERR_ARGUMENT, "the %s dataset is empty", dataset_format(ds));
    int dh, dw;
    dataset_image_size(ds, &dh, &dw);
    if (preprocess_output_size(prep, dh, dw, h, w) != SENET_OK)
        return senet_fail(SENET_ERR_SHAPE, "batches of the %s dataset need a fixed image size: %s", dataset_format(ds),
                          senet_last_error());
    return SENET_OK;
}

static int alloc_slots(loader *l)
{
    int overflow = 0;
    size_t floats = size_mul(size_mul((size_t)l->max_n, 3, &overflow), size_mul((size_t)l->h, (size_t)l->w, &overflow),
                             &overflow);
    size_t bytes = size_mul(floats, sizeof(float), &overflow);
    for (int i = 0; i < 2; i++) {
        slot *s = &l->slots[i];
        s->images = overflow ? NULL : aligned_alloc_checked(bytes);
        s->labels = malloc((size_t)l->max_n * sizeof *s->labels);
        s->indices = malloc((size_t)l->max_n * sizeof *s->indices);
        if (!s->images || !s->labels || !s->indices)
            return senet_fail(SENET_ERR_NOMEM, "cannot allocate two batches of %d x 3 x %d x %d floats", l->max_n,
                              l->h, l->w);
    }
    return SENET_OK;
}

static void release(loader *l)
{
    for (int i = 0; i < 2; i++) {
        aligned_free(l->slots[i].images);
        free(l->slots[i].labels);
        free(l->slots[i].indices);
    }
    free(l->perm);
    image_free(&l->image);
    free(l);
}

int loader_create(const dataset *ds, const preprocess *prep, const loader_options *opt, loader **out)
{
    *out = NULL;
    int h, w;
    TRY(check_options(ds, prep, opt, &h, &w));
    loader *l = calloc(1, sizeof *l);
    if (!l)
        return senet_fail(SENET_ERR_NOMEM, "out of memory");
    l->ds = ds;
    l->prep = *prep;
    l->opt = *opt;
    l->h = h;
    l->w = w;
    l->count = dataset_count(ds);
    l->num_batches = opt->drop_last ? l->count / opt->batch_size : (l->count + opt->batch_size - 1) / opt->batch_size;
    int64_t share = ((int64_t)opt->batch_size + opt->world - 1) / opt->world;
    l->max_n = (int)(share < l->count ? share : l->count);
    image_init(&l->image);
    atomic_init(&l->generation, 0);
    l->perm = malloc((size_t)l->count * sizeof *l->perm);
    int status = l->perm ? alloc_slots(l) : senet_fail(SENET_ERR_NOMEM, "out of memory for the epoch order");
    if (status != SENET_OK) {
        release(l);
        return status;
    }
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->cv, NULL);
    if (pthread_create(&l->thread, NULL, worker, l) != 0) {
        pthread_cond_destroy(&l->cv);
        pthread_mutex_destroy(&l->mu);
        release(l);
        return senet_fail(SENET_ERR_STATE, "cannot start the loader thread");
    }
    *out = l;
    return SENET_OK;
}

void loader_free(loader *l)
{
    if (!l)
        return;
    pthread_mutex_lock(&l->mu);
    l->stop = 1;
    atomic_fetch_add(&l->generation, 1);
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
    pthread_join(l->thread, NULL);
    pthread_cond_destroy(&l->cv);
    pthread_mutex_destroy(&l->mu);
    release(l);
}

int64_t loader_num_batches(const loader *l) { return l->num_batches; }

void loader_batch_shape(const loader *l, int *max_n, int *h, int *w)
{
    *max_n = l->max_n;
    *h = l->h;
    *w = l->w;
}

int loader_start_epoch(loader *l, int64_t epoch, int64_t first_batch)
{
    if (epoch < 0 || first_batch < 0 || first_batch > l->num_batches)
        return senet_fail(SENET_ERR_ARGUMENT, "epoch %lld, batch %lld: out of range (%lld batches an epoch)",
                          (long long)epoch, (long long)first_batch, (long long)l->num_batches);
    pthread_mutex_lock(&l->mu);
    atomic_fetch_add(&l->generation, 1);
    while (l->busy)
        pthread_cond_wait(&l->cv, &l->mu);
    for (int i = 0; i < 2; i++)
        l->slots[i].state = SLOT_FREE;
    loader_permutation(l->opt.seed, epoch, l->opt.shuffle, l->count, l->perm);
    l->epoch = epoch;
    l->next_fill = l->next_out = first_batch;
    l->started = 1;
    l->failed = 0;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
    return SENET_OK;
}

int loader_next(loader *l, loader_batch *out)
{
    memset(out, 0, sizeof *out);
    pthread_mutex_lock(&l->mu);
    for (int i = 0; i < 2; i++)
        if (l->slots[i].state == SLOT_HELD)
            l->slots[i].state = SLOT_FREE;
    pthread_cond_broadcast(&l->cv);
    if (!l->started || l->failed) {
        pthread_mutex_unlock(&l->mu);
        return senet_fail(SENET_ERR_STATE, l->failed ? "the loader failed on an earlier batch; start an epoch again"
                                                     : "no epoch started on the loader");
    }
    if (l->next_out >= l->num_batches) {
        pthread_mutex_unlock(&l->mu);
        out->end = 1;
        return SENET_OK;
    }
    slot *s = NULL;
    while (!s) {
        for (int i = 0; i < 2 && !s; i++)
            if (l->slots[i].state == SLOT_READY && l->slots[i].batch == l->next_out)
                s = &l->slots[i];
        if (!s)
            pthread_cond_wait(&l->cv, &l->mu);
    }
    s->state = SLOT_HELD;
    l->next_out++;
    int status = s->status;
    if (status != SENET_OK) {
        l->failed = 1;
        status = senet_fail(status, "%s", s->message);
    }
    pthread_mutex_unlock(&l->mu);
    if (status != SENET_OK)
        return status;
    out->images = s->images;
    out->labels = s->labels;
    out->indices = s->indices;
    out->n = s->n;
    out->h = l->h;
    out->w = l->w;
    out->batch = s->batch;
    return SENET_OK;
}
