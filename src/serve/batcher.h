/* Dynamic batching: one thread owns the net (a senet_net serves one call
 * at a time) and runs the queued jobs together, up to max_batch images,
 * waiting at most max_delay_ms after the first for others to arrive. Jobs
 * of different input sizes never share a pass. */
#ifndef SENET_SERVE_BATCHER_H
#define SENET_SERVE_BATCHER_H

#include "metrics.h"
#include "senet.h"

typedef struct batch_job batch_job;
struct batch_job {
    /* filled by the submitter */
    const float *input;   /* (n, 3, h, w) NCHW, normalised */
    int n, h, w;
    float *logits;        /* (n, num_classes), written by the batcher */
    float *excitations;   /* (n, total SE channels) or NULL: each image's gates, block after block */
    void (*done)(batch_job *job); /* called on the batcher thread once logits (or status) are set */
    void *ctx;
    /* set by the batcher */
    int status;           /* SENET_OK or the forward's error */
    char error[256];
    int batch_images;     /* how many images ran in the same pass */
    double inference_ms;  /* that pass's time */
    batch_job *next;
};

typedef struct batcher batcher;

/* The batcher takes over nothing: net must outlive it. Excitations are
 * captured for SE nets (a copy of each pass's gates). */
int batcher_create(senet_net *net, int max_batch, int max_delay_ms, int max_queue, metrics *m, batcher **out);
/* Queues a job: 0, or -1 when the queue already holds max_queue images (or is stopping). */
int batcher_submit(batcher *b, batch_job *job);
/* Runs what is queued, then stops the thread and frees the batcher. */
void batcher_free(batcher *b);
/* Channels of all SE blocks together (the width of a job's excitations). */
int batcher_total_se_channels(const batcher *b);

#endif
