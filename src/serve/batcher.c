/* The batching thread. A pass gathers queued jobs of the same input size
 * into one (N, 3, H, W) buffer, runs senet_net_forward once and hands
 * each job its rows of the logits. When a pass fails, its jobs are rerun
 * one by one so that one bad request cannot fail the others'. */
#include "batcher.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct batcher {
    senet_net *net;
    int classes, max_batch, max_delay_ms, max_queue;
    metrics *m;
    int se_blocks, se_total; /* SE blocks and their channels together */
    int *se_offset;          /* (se_blocks) where each block's gates start in an image's row */
    pthread_mutex_t mu;
    pthread_cond_t arrived;
    batch_job *head, *tail;
    int queued;              /* images in the queue */
    int stopping;
    pthread_t thread;
    float *input;            /* (capacity, 3, h, w) the pass's images */
    size_t input_capacity;   /* floats */
    float *logits;           /* (logits_capacity / classes, classes) */
    size_t logits_capacity;
};

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int grow(float **buf, size_t *capacity, size_t need)
{
    if (need <= *capacity)
        return 0;
    float *p = realloc(*buf, need * sizeof *p);
    if (!p)
        return -1;
    *buf = p;
    *capacity = need;
    return 0;
}

/* One forward over jobs[0..count), all of the same h x w. */
static int run_pass(batcher *b, batch_job **jobs, int count)
{
    int n = 0, h = jobs[0]->h, w = jobs[0]->w;
    for (int i = 0; i < count; i++)
        n += jobs[i]->n;
    size_t image = (size_t)3 * h * w;
    if (grow(&b->input, &b->input_capacity, image * n) ||
        grow(&b->logits, &b->logits_capacity, (size_t)n * b->classes)) {
        for (int i = 0; i < count; i++)
            snprintf(jobs[i]->error, sizeof jobs[i]->error, "out of memory for a batch of %d images", n);
        return SENET_ERR_NOMEM;
    }
    const float *input = jobs[0]->input;
    if (count > 1) {
        size_t at = 0;
        for (int i = 0; i < count; i++) {
            memcpy(b->input + at, jobs[i]->input, image * jobs[i]->n * sizeof(float));
            at += image * jobs[i]->n;
        }
        input = b->input;
    }
    double t0 = now_ms();
    int status = senet_net_forward(b->net, input, n, h, w, b->logits);
    double ms = now_ms() - t0;
    if (status) {
        for (int i = 0; i < count; i++)
            snprintf(jobs[i]->error, sizeof jobs[i]->error, "%s",
                     *senet_last_error() ? senet_last_error() : senet_strerror(status));
        return status;
    }
    metrics_batch(b->m, n, ms / 1e3);
    int row = 0;
    for (int i = 0; i < count; i++) {
        batch_job *j = jobs[i];
        memcpy(j->logits, b->logits + (size_t)row * b->classes, (size_t)j->n * b->classes * sizeof(float));
        if (j->excitations)
            for (int k = 0; k < b->se_blocks; k++) {
                const float *gates; /* (n, C) of block k */
                int gn;
                senet_se_block info;
                if (senet_net_excitations(b->net, k, &gates, &gn) || senet_net_se_block(b->net, k, &info))
                    continue;
                for (int r = 0; r < j->n; r++)
                    memcpy(j->excitations + (size_t)r * b->se_total + b->se_offset[k],
                           gates + (size_t)(row + r) * info.channels, (size_t)info.channels * sizeof(float));
            }
        j->status = SENET_OK;
        j->batch_images = n;
        j->inference_ms = ms;
        row += j->n;
    }
    return SENET_OK;
}

static void finish(batch_job **jobs, int count, int status)
{
    for (int i = 0; i < count; i++) {
        if (status)
            jobs[i]->status = status;
        jobs[i]->done(jobs[i]);
    }
}

static void *batcher_main(void *arg)
{
    batcher *b = arg;
    batch_job **jobs = malloc((size_t)b->max_batch * sizeof *jobs);
    pthread_mutex_lock(&b->mu);
    for (;;) {
        while (!b->head && !b->stopping)
            pthread_cond_wait(&b->arrived, &b->mu);
        if (!b->head)
            break;
        /* Wait for the batch to fill, at most max_delay_ms after now. */
        if (b->max_delay_ms > 0 && !b->stopping) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            long long ns = until.tv_nsec + (long long)b->max_delay_ms * 1000000;
            until.tv_sec += ns / 1000000000;
            until.tv_nsec = ns % 1000000000;
            while (b->queued < b->max_batch && !b->stopping)
                if (pthread_cond_timedwait(&b->arrived, &b->mu, &until) == ETIMEDOUT)
                    break;
        }
        /* Take the head, then following jobs of its size while they fit. */
        int count = 0, images = 0;
        batch_job **link = &b->head, *prev = NULL;
        int h = b->head->h, w = b->head->w;
        while (*link && count < b->max_batch) {
            batch_job *j = *link;
            if (count == 0 || (j->h == h && j->w == w && images + j->n <= b->max_batch)) {
                *link = j->next;
                if (b->tail == j)
                    b->tail = prev;
                jobs[count++] = j;
                images += j->n;
                b->queued -= j->n;
            } else {
                prev = j;
                link = &j->next;
            }
            if (images >= b->max_batch)
                break;
        }
        metrics_queue_depth(b->m, b->queued);
        pthread_mutex_unlock(&b->mu);
        int status = jobs ? run_pass(b, jobs, count) : SENET_ERR_NOMEM;
        if (status && count > 1) /* alone, each job gets its own answer */
            for (int i = 0; i < count; i++)
                finish(&jobs[i], 1, run_pass(b, &jobs[i], 1));
        else
            finish(jobs, count, status);
        pthread_mutex_lock(&b->mu);
    }
    pthread_mutex_unlock(&b->mu);
    free(jobs);
    return NULL;
}

int batcher_create(senet_net *net, int max_batch, int max_delay_ms, int max_queue, metrics *m, batcher **out)
{
    batcher *b = calloc(1, sizeof *b);
    if (!b)
        return SENET_ERR_NOMEM;
    b->net = net;
    b->classes = senet_net_config(net)->num_classes;
    b->max_batch = max_batch;
    b->max_delay_ms = max_delay_ms;
    b->max_queue = max_queue;
    b->m = m;
    b->se_blocks = senet_net_num_se_blocks(net);
    b->se_offset = calloc((size_t)b->se_blocks + 1, sizeof *b->se_offset);
    if (!b->se_offset) {
        free(b);
        return SENET_ERR_NOMEM;
    }
    for (int k = 0; k < b->se_blocks; k++) {
        senet_se_block info;
        senet_net_se_block(net, k, &info);
        b->se_offset[k] = b->se_total;
        b->se_total += info.channels;
    }
    /* The gates of a pass are a few KB per image: cheap enough to keep always. */
    if (b->se_blocks)
        senet_net_set_excitation_capture(net, 1);
    pthread_mutex_init(&b->mu, NULL);
    pthread_cond_init(&b->arrived, NULL);
    if (pthread_create(&b->thread, NULL, batcher_main, b)) {
        free(b->se_offset);
        free(b);
        return SENET_ERR_NOMEM;
    }
    *out = b;
    return SENET_OK;
}

int batcher_submit(batcher *b, batch_job *job)
{
    pthread_mutex_lock(&b->mu);
    if (b->stopping || (b->queued > 0 && b->queued + job->n > b->max_queue)) {
        pthread_mutex_unlock(&b->mu);
        return -1;
    }
    job->next = NULL;
    if (b->tail)
        b->tail->next = job;
    else
        b->head = job;
    b->tail = job;
    b->queued += job->n;
    metrics_queue_depth(b->m, b->queued);
    pthread_cond_signal(&b->arrived);
    pthread_mutex_unlock(&b->mu);
    return 0;
}

int batcher_total_se_channels(const batcher *b)
{
    return b ? b->se_total : 0;
}

void batcher_free(batcher *b)
{
    if (!b)
        return;
    pthread_mutex_lock(&b->mu);
    b->stopping = 1;
    pthread_cond_signal(&b->arrived);
    pthread_mutex_unlock(&b->mu);
    pthread_join(b->thread, NULL);
    pthread_cond_destroy(&b->arrived);
    pthread_mutex_destroy(&b->mu);
    free(b->input);
    free(b->logits);
    free(b->se_offset);
    free(b);
}
