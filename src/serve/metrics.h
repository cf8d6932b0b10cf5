/* The server's Prometheus metrics: requests by endpoint and status, a
 * latency histogram per endpoint, a batch-size histogram, queue depth,
 * images per second, model load time. Histograms have fixed buckets (not
 * summaries) so that several instances' counts add up. One mutex guards
 * all of it: a few additions per request, nothing to contend on. */
#ifndef SENET_SERVE_METRICS_H
#define SENET_SERVE_METRICS_H

#include "io/json.h"

/* The endpoints a request is counted under (bounded label values, whatever the URL). */
typedef enum endpoint {
    EP_CLASSIFY, EP_INFER, EP_MODEL, EP_HEALTH, EP_SERVER, EP_METRICS, EP_PAGE, EP_OTHER, EP_COUNT
} endpoint;

typedef struct metrics metrics;

metrics *metrics_create(void);
void metrics_free(metrics *m);
const char *endpoint_name(endpoint e);
/* One answered request: its endpoint, HTTP status and seconds from first byte seen to response queued. */
void metrics_request(metrics *m, endpoint e, int status, double seconds);
/* One batch run by the net: its images and seconds. */
void metrics_batch(metrics *m, int images, double seconds);
void metrics_queue_depth(metrics *m, int images);
void metrics_model_loaded(metrics *m, double seconds);
/* The Prometheus text exposition (version 0.0.4) into out. */
void metrics_write(metrics *m, json_buf *out);

#endif
