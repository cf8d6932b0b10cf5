/* What the server's files share: the server, one request's state, and
 * the helpers that answer. Each endpoint's handler runs on a thread of
 * libmicrohttpd's pool once the whole body is in; one that needs the net
 * submits a batch job and suspends its connection, and its `answer` runs
 * (again on the pool) when the batcher has resumed it. */
#ifndef SENET_SERVE_SERVICE_H
#define SENET_SERVE_SERVICE_H

#include "batcher.h"
#include "conn_watch.h"
#include "io/json.h"
#include "metrics.h"
#include "serve.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>

struct server {
    serve_options o;
    char name[128];
    struct MHD_Daemon *daemon;
    int port;
    metrics *m;
    conn_watch *watch;
    atomic_int ready;        /* 1 once the model is set */
    atomic_int stopping;     /* 1 after SIGTERM: answers say Connection: close */
    atomic_int in_flight;    /* requests begun and not yet completed */
    /* the model, fixed once ready */
    senet_net *net;
    senet_transform *transform;
    int input_size, classes;
    char arch[32];
    char **labels;           /* (classes) */
    int se_blocks, se_total;
    senet_se_block *se_info; /* (se_blocks) */
    batcher *batcher;
    pthread_mutex_t resume_mu; /* orders a connection's suspend before its resume */
};

typedef enum phase { PHASE_RECEIVING, PHASE_QUEUED, PHASE_ANSWERED } phase;

typedef struct request request;
struct request {
    server *s;
    struct MHD_Connection *conn;
    conn_record *watch;
    endpoint ep;
    char method[8];
    char path[160];
    double t0_ms;                 /* first call of the handler */
    phase phase;
    /* POST routes: what to run on the whole body, and the body */
    void (*on_body)(request *r);
    enum MHD_Result (*on_get)(request *r); /* GET routes: answered on the call after the headers' */
    unsigned char *body;          /* (length) raw bytes */
    size_t length, capacity;
    /* a batch job and what its answer needs */
    batch_job job;
    void (*answer)(request *r);   /* builds the response once the job is done */
    int job_done;
    float *input;                 /* (n, 3, h, w) */
    float *logits;                /* (n, classes) */
    float *excitations;           /* (n, se_total) or NULL */
    int top, binary_out;
    char id[128];
    char model_arg[128];          /* {name} of a /v2/models/{name}/... URL */
    /* what was answered, for the log */
    int status;
    size_t bytes_out;
};

double serve_now_ms(void);

/* Queue a response (takes data, malloc'ed, over). headers: NULL or name,
 * value pairs ending in NULL. Returns MHD_YES/MHD_NO for the handler. */
enum MHD_Result reply(request *r, int status, const char *content_type, char *data, size_t length,
                      const char *const *headers);
enum MHD_Result reply_json(request *r, int status, json_buf *b, const char *const *headers);
/* {"error": message} */
enum MHD_Result reply_error(request *r, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
enum MHD_Result reply_error_with(request *r, int status, const char *const *headers, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A job for n images of h x w into r's buffers; submits it and suspends the
 * connection (503 with Retry-After when the queue is full). */
void submit_job(request *r, int n, int h, int w, int want_excitations);

/* Endpoint handlers (classify.c, oip.c, page.c, server.c). */
void classify_body(request *r);
void infer_body(request *r);
enum MHD_Result oip_server_metadata(request *r);
enum MHD_Result oip_model_metadata(request *r);
enum MHD_Result page_get(request *r);
enum MHD_Result model_describe(request *r);

/* json helpers */
void json_put_double(json_buf *b, const char *fmt, double v);
void json_put_str(json_buf *b, const char *s);

#endif
