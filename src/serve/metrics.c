/* Counters and histograms behind GET /metrics. */
#include "metrics.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Latency buckets in seconds: 1 ms to 10 s, as Prometheus' client defaults widened down. */
static const double latency_le[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define NUM_LATENCY (int)(sizeof latency_le / sizeof *latency_le)
static const int batch_le[] = {1, 2, 4, 8, 16, 32, 64, 128, 256};
#define NUM_BATCH (int)(sizeof batch_le / sizeof *batch_le)
/* HTTP statuses the server answers with; any other is counted as "other". */
static const int statuses[] = {200, 400, 404, 405, 413, 415, 500, 503};
#define NUM_STATUS (int)(sizeof statuses / sizeof *statuses)
/* images/s is over the last WINDOW seconds, in one-second slots. */
#define WINDOW 10

struct metrics {
    pthread_mutex_t mu;
    long long requests[EP_COUNT][NUM_STATUS + 1];
    long long latency[EP_COUNT][NUM_LATENCY + 1]; /* per bucket, not cumulative; last: +Inf */
    double latency_sum[EP_COUNT];
    long long latency_count[EP_COUNT];
    long long batches[NUM_BATCH + 1];
    double batch_sum;
    long long batch_count, images;
    double inference_seconds;
    int queue_depth;
    double load_seconds;
    long long slot_images[WINDOW];
    long long slot_second[WINDOW];
};

static const char *const endpoint_names[EP_COUNT] = {"classify", "infer", "model", "health", "server",
                                                     "metrics", "page", "other"};

const char *endpoint_name(endpoint e)
{
    return e >= 0 && e < EP_COUNT ? endpoint_names[e] : "other";
}

metrics *metrics_create(void)
{
    metrics *m = calloc(1, sizeof *m);
    if (m)
        pthread_mutex_init(&m->mu, NULL);
    return m;
}

void metrics_free(metrics *m)
{
    if (!m)
        return;
    pthread_mutex_destroy(&m->mu);
    free(m);
}

void metrics_request(metrics *m, endpoint e, int status, double seconds)
{
    if (e < 0 || e >= EP_COUNT)
        e = EP_OTHER;
    int s = NUM_STATUS;
    for (int i = 0; i < NUM_STATUS; i++)
        if (statuses[i] == status)
            s = i;
    int b = 0;
    while (b < NUM_LATENCY && seconds > latency_le[b])
        b++;
    pthread_mutex_lock(&m->mu);
    m->requests[e][s]++;
    m->latency[e][b]++;
    m->latency_sum[e] += seconds;
    m->latency_count[e]++;
    pthread_mutex_unlock(&m->mu);
}

static long long now_second(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec;
}

void metrics_batch(metrics *m, int images, double seconds)
{
    int b = 0;
    while (b < NUM_BATCH && images > batch_le[b])
        b++;
    long long sec = now_second();
    pthread_mutex_lock(&m->mu);
    m->batches[b]++;
    m->batch_sum += images;
    m->batch_count++;
    m->images += images;
    m->inference_seconds += seconds;
    int slot = (int)(sec % WINDOW);
    if (m->slot_second[slot] != sec) {
        m->slot_second[slot] = sec;
        m->slot_images[slot] = 0;
    }
    m->slot_images[slot] += images;
    pthread_mutex_unlock(&m->mu);
}

void metrics_queue_depth(metrics *m, int images)
{
    pthread_mutex_lock(&m->mu);
    m->queue_depth = images;
    pthread_mutex_unlock(&m->mu);
}

void metrics_model_loaded(metrics *m, double seconds)
{
    pthread_mutex_lock(&m->mu);
    m->load_seconds = seconds;
    pthread_mutex_unlock(&m->mu);
}

static void put(json_buf *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(json_buf *out, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n > 0)
        json_buf_append(out, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

void metrics_write(metrics *m, json_buf *out)
{
    pthread_mutex_lock(&m->mu);
    put(out, "# HELP senet_requests_total HTTP requests answered, by endpoint and status.\n"
             "# TYPE senet_requests_total counter\n");
    for (int e = 0; e < EP_COUNT; e++)
        for (int s = 0; s <= NUM_STATUS; s++)
            if (m->requests[e][s]) {
                if (s < NUM_STATUS)
                    put(out, "senet_requests_total{endpoint=\"%s\",status=\"%d\"} %lld\n", endpoint_names[e],
                        statuses[s], m->requests[e][s]);
                else
                    put(out, "senet_requests_total{endpoint=\"%s\",status=\"other\"} %lld\n", endpoint_names[e],
                        m->requests[e][s]);
            }
    put(out, "# HELP senet_request_duration_seconds Time from a request's arrival to its answer.\n"
             "# TYPE senet_request_duration_seconds histogram\n");
    for (int e = 0; e < EP_COUNT; e++) {
        if (!m->latency_count[e])
            continue;
        long long cum = 0;
        for (int b = 0; b < NUM_LATENCY; b++) {
            cum += m->latency[e][b];
            put(out, "senet_request_duration_seconds_bucket{endpoint=\"%s\",le=\"%g\"} %lld\n", endpoint_names[e],
                latency_le[b], cum);
        }
        put(out, "senet_request_duration_seconds_bucket{endpoint=\"%s\",le=\"+Inf\"} %lld\n", endpoint_names[e],
            m->latency_count[e]);
        put(out, "senet_request_duration_seconds_sum{endpoint=\"%s\"} %.6f\n", endpoint_names[e], m->latency_sum[e]);
        put(out, "senet_request_duration_seconds_count{endpoint=\"%s\"} %lld\n", endpoint_names[e],
            m->latency_count[e]);
    }
    put(out, "# HELP senet_batch_size Images per forward pass of the net.\n# TYPE senet_batch_size histogram\n");
    long long cum = 0;
    for (int b = 0; b < NUM_BATCH; b++) {
        cum += m->batches[b];
        put(out, "senet_batch_size_bucket{le=\"%d\"} %lld\n", batch_le[b], cum);
    }
    put(out, "senet_batch_size_bucket{le=\"+Inf\"} %lld\n", m->batch_count);
    put(out, "senet_batch_size_sum %.0f\nsenet_batch_size_count %lld\n", m->batch_sum, m->batch_count);
    put(out, "# HELP senet_images_total Images classified.\n# TYPE senet_images_total counter\n"
             "senet_images_total %lld\n", m->images);
    put(out, "# HELP senet_inference_seconds_total Time the net spent in forward passes.\n"
             "# TYPE senet_inference_seconds_total counter\nsenet_inference_seconds_total %.6f\n",
        m->inference_seconds);
    long long sec = now_second(), recent = 0;
    for (int i = 0; i < WINDOW; i++) /* the WINDOW whole seconds before this one */
        if (m->slot_second[i] < sec && m->slot_second[i] >= sec - WINDOW)
            recent += m->slot_images[i];
    put(out, "# HELP senet_images_per_second Images classified per second over the last %d s.\n"
             "# TYPE senet_images_per_second gauge\nsenet_images_per_second %.3f\n", WINDOW,
        (double)recent / WINDOW);
    put(out, "# HELP senet_queue_depth Images waiting for the net.\n# TYPE senet_queue_depth gauge\n"
             "senet_queue_depth %d\n", m->queue_depth);
    put(out, "# HELP senet_model_load_seconds Time taken to load the model.\n# TYPE senet_model_load_seconds gauge\n"
             "senet_model_load_seconds %.6f\n", m->load_seconds);
    pthread_mutex_unlock(&m->mu);
}
