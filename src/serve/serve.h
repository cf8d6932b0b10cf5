/* senet serve: an HTTP inference service on libsenet and the data floor.
 *
 * The HTTP side (libmicrohttpd) lives in this target alone, as MPI lives
 * in src/dist: libsenet links no server. The CLI (cli/cmd_serve.c) parses
 * the options and loads the model; this part binds, serves, batches and
 * shuts down. The order is start (binds the port, so a port in use fails
 * before the model is read), set_model (ready from then on), wait (until
 * SIGTERM or SIGINT), stop. */
#ifndef SENET_SERVE_H
#define SENET_SERVE_H

#include "senet_data.h"

#include <stddef.h>

typedef struct serve_options {
    const char *host;       /* numeric IPv4 or IPv6 address to bind, "127.0.0.1" */
    int port;               /* 0: any free port (the one taken is printed) */
    int http_threads;       /* libmicrohttpd's thread pool (epoll each) */
    int max_batch;          /* images run together at most */
    int max_delay_ms;       /* how long the first queued image waits for others (0: never) */
    size_t max_body;        /* bytes a request body may have */
    long long max_pixels;   /* pixels an image (or a tensor's N*H*W) may have */
    int max_queue;          /* images waiting at most; beyond, 503 */
    int max_connections;    /* open connections at most; beyond, refused */
    int timeout_s;          /* a connection idle, or a request not fully received, this long is dropped */
    int log_json;           /* 1: one JSON object per request on stderr */
    const char *name;       /* the model's name in URLs and answers */
} serve_options;

/* What serve_set_model takes over (the net and the transform are freed by serve_stop). */
typedef struct serve_model {
    senet_net *net;            /* frozen, eval mode */
    senet_transform *transform; /* the net's evaluation input, as senet classify makes it */
    int input_size;            /* its side */
    const char *const *labels; /* (num_classes) names, copied */
    const char *weights;       /* the file, for messages */
    double load_seconds;       /* how long loading took, for /metrics */
} serve_model;

typedef struct server server;

/* Binds and starts serving (ready 503 until a model is set). Prints why
 * and returns -1 when it cannot (port in use, bad address). SIGTERM and
 * SIGINT must be blocked in the calling thread before this (the server's
 * threads inherit the mask; serve_wait takes them). */
int serve_start(const serve_options *options, server **out);
/* The port bound (useful with port 0). */
int serve_port(const server *s);
/* Installs the model and starts the batching thread; -1 (with a message) on failure. */
int serve_set_model(server *s, const serve_model *model);
/* Blocks until SIGTERM or SIGINT, then stops accepting connections,
 * finishes what is queued and in flight, and returns 0. */
int serve_wait(server *s);
void serve_stop(server *s);

#endif
