/* The HTTP server: libmicrohttpd's daemon (a thread pool, each thread on
 * its own epoll), the routing of URLs to handlers, the per-request log
 * line and metrics, readiness, and the shutdown on SIGTERM or SIGINT. */
#define _GNU_SOURCE
#include "service.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* ---- the log line and metrics, when a request is done ---- */

static void log_request(server *s, const request *r, double ms)
{
    char when[32];
    time_t now = time(NULL);
    struct tm utc;
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &utc));
    if (s->o.log_json) {
        json_buf b = {0};
        json_buf_puts(&b, "{\"time\": ");
        json_put_str(&b, when);
        json_buf_puts(&b, ", \"method\": ");
        json_put_str(&b, r->method);
        json_buf_puts(&b, ", \"path\": ");
        json_put_str(&b, r->path);
        json_buf_puts(&b, ", \"status\": ");
        json_buf_int(&b, r->status);
        json_buf_puts(&b, ", \"bytes\": ");
        json_buf_int(&b, (int64_t)r->bytes_out);
        json_buf_puts(&b, ", \"ms\": ");
        json_put_double(&b, "%.3f", ms);
        json_buf_puts(&b, "}\n");
        if (!json_buf_failed(&b))
            fwrite(b.data, 1, b.length, stderr);
        json_buf_free(&b);
    } else {
        fprintf(stderr, "%s %s %s %d %zu B %.2f ms\n", when, r->method, r->path, r->status, r->bytes_out, ms);
    }
}

static void free_request(request *r)
{
    free(r->body);
    free(r->input);
    free(r->logits);
    free(r->excitations);
    free(r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode why)
{
    (void)conn;
    server *s = cls;
    request *r = *con_cls;
    if (!r)
        return;
    *con_cls = NULL;
    if (!r->status) /* closed before an answer: a dropped or failed connection */
        r->status = why == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? 408 : 499;
    double ms = serve_now_ms() - r->t0_ms;
    metrics_request(s->m, r->ep, r->status, ms / 1e3);
    log_request(s, r, ms);
    conn_watch_answered(s->watch, r->watch);
    free_request(r);
    atomic_fetch_sub(&s->in_flight, 1);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode what)
{
    server *s = cls;
    if (what == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        *socket_context = info ? conn_watch_open(s->watch, info->connect_fd) : NULL;
    } else if (what == MHD_CONNECTION_NOTIFY_CLOSED) {
        conn_watch_close(s->watch, *socket_context);
        *socket_context = NULL;
    }
}

/* ---- small GET endpoints ---- */

static enum MHD_Result reply_text(request *r, int status, const char *type, const char *text)
{
    char *copy = strdup(text);
    return copy ? reply(r, status, type, copy, strlen(copy), NULL) : MHD_NO;
}

static enum MHD_Result health(request *r, int need_ready)
{
    if (need_ready && !atomic_load(&r->s->ready))
        return reply_error(r, 503, "the model is loading");
    if (atomic_load(&r->s->stopping) && need_ready)
        return reply_error(r, 503, "shutting down");
    return reply_text(r, 200, "application/json", "{\"status\": \"ok\"}\n");
}

static enum MHD_Result health_live(request *r)
{
    return health(r, 0);
}

static enum MHD_Result health_ready(request *r)
{
    return health(r, 1);
}

static enum MHD_Result get_metrics(request *r)
{
    json_buf b = {0};
    metrics_write(r->s->m, &b);
    if (json_buf_failed(&b)) {
        json_buf_free(&b);
        return reply_error(r, 500, "out of memory");
    }
    return reply(r, 200, "text/plain; version=0.0.4; charset=utf-8", b.data, b.length, NULL);
}

/* ---- routing ---- */

static enum MHD_Result wrong_method(request *r, const char *allow)
{
    const char *const headers[] = {MHD_HTTP_HEADER_ALLOW, allow, NULL};
    return reply_error_with(r, 405, headers, "method %s is not allowed on %s (allowed: %s)", r->method, r->path, allow);
}

static int is_get(const char *method)
{
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

/* A POST route: refuse early what cannot succeed, else wait for the body.
 * A Content-Length over the limit is answered 413 now, before any of the
 * body is read (libmicrohttpd then sends no 100 Continue and closes). */
static enum MHD_Result accept_post(request *r, void (*on_body)(request *))
{
    server *s = r->s;
    if (!atomic_load(&s->ready))
        return reply_error(r, 503, "the model is loading");
    if (atomic_load(&s->stopping))
        return reply_error(r, 503, "shutting down");
    const char *cl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(cl, &end, 10);
        if (errno || *end || n > s->o.max_body)
            return reply_error(r, 413, "the body (%s bytes) is over the limit of %zu bytes (--max-body-mb)", cl,
                               s->o.max_body);
    }
    r->on_body = on_body;
    return MHD_YES;
}

/* /v2/models/{name}[/ready|/infer]: 0 and r->model_arg set, with *rest the part after the name. */
static int model_url(request *r, const char *url, const char **rest)
{
    const char *prefix = "/v2/models/";
    size_t p = strlen(prefix);
    if (strncmp(url, prefix, p) != 0)
        return -1;
    const char *name = url + p, *slash = strchr(name, '/');
    size_t len = slash ? (size_t)(slash - name) : strlen(name);
    if (len == 0 || len >= sizeof r->model_arg)
        return -1;
    memcpy(r->model_arg, name, len);
    r->model_arg[len] = '\0';
    *rest = slash ? slash : "";
    return 0;
}

static enum MHD_Result route(request *r, const char *url)
{
    const char *m = r->method, *rest;
    if (strcmp(url, "/v1/classify") == 0) {
        r->ep = EP_CLASSIFY;
        return strcmp(m, "POST") == 0 ? accept_post(r, classify_body) : wrong_method(r, "POST");
    }
    if (model_url(r, url, &rest) == 0) {
        r->ep = strcmp(rest, "/infer") == 0 ? EP_INFER : EP_MODEL;
        if (strcmp(rest, "") != 0 && strcmp(rest, "/ready") != 0 && strcmp(rest, "/infer") != 0) {
            r->ep = EP_OTHER;
            return reply_error(r, 404, "no such endpoint: %s", url);
        }
        if (strcmp(r->model_arg, r->s->name) != 0)
            return reply_error(r, 404, "unknown model '%s' (this server has '%s')", r->model_arg, r->s->name);
        if (r->ep == EP_INFER)
            return strcmp(m, "POST") == 0 ? accept_post(r, infer_body) : wrong_method(r, "POST");
        if (!is_get(m))
            return wrong_method(r, "GET, HEAD");
        r->on_get = *rest ? health_ready : oip_model_metadata;
        return MHD_YES;
    }
    struct {
        const char *path;
        endpoint ep;
        enum MHD_Result (*get)(request *);
    } gets[] = {{"/", EP_PAGE, page_get},
                {"/index.html", EP_PAGE, page_get},
                {"/metrics", EP_METRICS, get_metrics},
                {"/v2/health/live", EP_HEALTH, health_live},
                {"/v2/health/ready", EP_HEALTH, health_ready},
                {"/healthz", EP_HEALTH, health_live},
                {"/readyz", EP_HEALTH, health_ready},
                {"/v2", EP_SERVER, oip_server_metadata},
                {"/v1/model", EP_MODEL, model_describe}};
    for (size_t i = 0; i < sizeof gets / sizeof *gets; i++) {
        if (strcmp(url, gets[i].path) != 0)
            continue;
        r->ep = gets[i].ep;
        if (!is_get(m))
            return wrong_method(r, "GET, HEAD");
        /* Answered on the next call: libmicrohttpd 0.9.75 closes a
         * connection whose answer is queued on the first, ending keep-alive. */
        r->on_get = gets[i].get;
        return MHD_YES;
    }
    r->ep = EP_OTHER;
    return reply_error(r, 404, "no such endpoint: %s", url);
}

/* libmicrohttpd calls this once when the headers are in, then once per
 * piece of the body, then once more with none; and again after a resume. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    (void)version;
    server *s = cls;
    request *r = *con_cls;
    if (!r) {
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        r->s = s;
        r->conn = conn;
        r->t0_ms = serve_now_ms();
        const union MHD_ConnectionInfo *info = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
        r->watch = info ? info->socket_context : NULL;
        snprintf(r->method, sizeof r->method, "%s", method);
        snprintf(r->path, sizeof r->path, "%s", url);
        *con_cls = r;
        atomic_fetch_add(&s->in_flight, 1);
        return route(r, url);
    }
    if (r->phase == PHASE_ANSWERED) { /* answered early: the rest of the body is not wanted */
        *upload_size = 0;
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        if (n > s->o.max_body - r->length) {
            /* Only a chunked body gets here (a Content-Length was checked):
             * libmicrohttpd cannot answer in the middle of a body, so drop it. */
            r->status = 413;
            return MHD_NO;
        }
        if (r->length + n > r->capacity) {
            size_t cap = r->capacity ? r->capacity : 65536;
            while (cap < r->length + n)
                cap *= 2;
            unsigned char *p = realloc(r->body, cap);
            if (!p)
                return MHD_NO;
            r->body = p;
            r->capacity = cap;
        }
        memcpy(r->body + r->length, upload, n);
        r->length += n;
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->phase == PHASE_RECEIVING && r->on_get)
        return r->on_get(r);
    if (r->phase == PHASE_RECEIVING && r->on_body) {
        conn_watch_received(s->watch, r->watch);
        r->on_body(r);
        return MHD_YES;
    }
    if (r->phase == PHASE_QUEUED && r->job_done) {
        if (r->job.status)
            return reply_error(r, 400, "%s", r->job.error);
        r->answer(r);
        return MHD_YES;
    }
    return MHD_YES;
}

/* ---- lifecycle ---- */

static int parse_address(const char *host, int port, struct sockaddr_storage *addr, socklen_t *len)
{
    memset(addr, 0, sizeof *addr);
    struct sockaddr_in *v4 = (struct sockaddr_in *)addr;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)addr;
    if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        *len = sizeof *v4;
        return 0;
    }
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        *len = sizeof *v6;
        return 0;
    }
    return -1;
}

/* Binds here rather than in libmicrohttpd, to say why a bind failed. */
static int bind_socket(const serve_options *o, int *port_out)
{
    struct sockaddr_storage addr;
    socklen_t len;
    if (parse_address(o->host, o->port, &addr, &len)) {
        fprintf(stderr, "senet serve: --host %s is not a numeric IPv4 or IPv6 address\n", o->host);
        return -1;
    }
    int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        fprintf(stderr, "senet serve: socket: %s\n", strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&addr, len) || listen(fd, 128)) {
        fprintf(stderr, "senet serve: cannot listen on %s port %d: %s%s\n", o->host, o->port, strerror(errno),
                errno == EADDRINUSE ? " (another program has it; choose another with --port)" : "");
        close(fd);
        return -1;
    }
    struct sockaddr_storage bound;
    socklen_t blen = sizeof bound;
    getsockname(fd, (struct sockaddr *)&bound, &blen);
    *port_out = ntohs(bound.ss_family == AF_INET ? ((struct sockaddr_in *)&bound)->sin_port
                                                 : ((struct sockaddr_in6 *)&bound)->sin6_port);
    return fd;
}

int serve_start(const serve_options *o, server **out)
{
    server *s = calloc(1, sizeof *s);
    if (!s) {
        fprintf(stderr, "senet serve: out of memory\n");
        return -1;
    }
    s->o = *o;
    snprintf(s->name, sizeof s->name, "%s", o->name);
    s->m = metrics_create();
    s->watch = conn_watch_create(o->timeout_s, o->max_connections);
    pthread_mutex_init(&s->resume_mu, NULL);
    int fd = s->m && s->watch ? bind_socket(o, &s->port) : -1;
    if (fd < 0) {
        if (!s->m || !s->watch)
            fprintf(stderr, "senet serve: out of memory\n");
        serve_stop(s);
        return -1;
    }
    /* libmicrohttpd splits its limit evenly over the pool's threads, and
     * one thread may take all the connections: each thread's share is
     * made twice ours, which conn_watch enforces over all of them. */
    unsigned mhd_limit = (unsigned)((2 * o->max_connections + 16) * o->http_threads);
    struct rlimit files;
    if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max; /* sockets are files */
        setrlimit(RLIMIT_NOFILE, &files);
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG;
    s->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)o->http_threads, MHD_OPTION_CONNECTION_LIMIT, mhd_limit,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)o->timeout_s, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536,
        MHD_OPTION_END);
    if (!s->daemon) {
        fprintf(stderr, "senet serve: libmicrohttpd could not start on %s port %d\n", o->host, s->port);
        close(fd);
        serve_stop(s);
        return -1;
    }
    *out = s;
    return 0;
}

int serve_port(const server *s)
{
    return s->port;
}

int serve_set_model(server *s, const serve_model *m)
{
    const senet_config *cfg = senet_net_config(m->net);
    s->net = m->net;
    s->transform = m->transform;
    s->input_size = m->input_size;
    s->classes = cfg->num_classes;
    snprintf(s->arch, sizeof s->arch, "%s", cfg->arch);
    s->labels = calloc((size_t)s->classes, sizeof *s->labels);
    s->se_blocks = senet_net_num_se_blocks(m->net);
    s->se_info = calloc((size_t)s->se_blocks + 1, sizeof *s->se_info);
    if (!s->labels || !s->se_info)
        goto nomem;
    for (int i = 0; i < s->classes; i++) {
        char fallback[32];
        snprintf(fallback, sizeof fallback, "class %d", i);
        s->labels[i] = strdup(m->labels && m->labels[i] ? m->labels[i] : fallback);
        if (!s->labels[i])
            goto nomem;
    }
    for (int k = 0; k < s->se_blocks; k++) {
        senet_net_se_block(m->net, k, &s->se_info[k]);
        s->se_total += s->se_info[k].channels;
    }
    if (batcher_create(m->net, s->o.max_batch, s->o.max_delay_ms, s->o.max_queue, s->m, &s->batcher))
        goto nomem;
    metrics_model_loaded(s->m, m->load_seconds);
    atomic_store(&s->ready, 1);
    return 0;
nomem:
    fprintf(stderr, "senet serve: out of memory\n");
    return -1;
}

int serve_wait(server *s)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    int sig = 0;
    sigwait(&set, &sig);
    fprintf(stderr, "senet serve: %s: no new connections; finishing %d requests in flight\n",
            sig == SIGTERM ? "SIGTERM" : "SIGINT", atomic_load(&s->in_flight));
    atomic_store(&s->stopping, 1);
    if (s->daemon) {
        int fd = MHD_quiesce_daemon(s->daemon);
        if (fd >= 0)
            close(fd);
    }
    /* Requests in flight (reading their body, queued, answering) finish;
     * a client that never finishes its body is cut by its deadline. */
    double until = serve_now_ms() + 1e3 * (s->o.timeout_s + 30);
    while (atomic_load(&s->in_flight) > 0 && serve_now_ms() < until)
        usleep(10000);
    fprintf(stderr, "senet serve: stopped\n");
    return 0;
}

void serve_stop(server *s)
{
    if (!s)
        return;
    /* The batcher runs what is left, resuming its connections: libmicrohttpd
     * must not be stopped with a connection suspended. */
    pthread_mutex_lock(&s->resume_mu);
    batcher *b = s->batcher;
    s->batcher = NULL; /* a late submit is answered 503 */
    pthread_mutex_unlock(&s->resume_mu);
    batcher_free(b);
    double until = serve_now_ms() + 2e3;
    while (atomic_load(&s->in_flight) > 0 && serve_now_ms() < until)
        usleep(10000);
    if (s->daemon)
        MHD_stop_daemon(s->daemon);
    conn_watch_free(s->watch);
    metrics_free(s->m);
    senet_net_free(s->net);
    senet_transform_free(s->transform);
    for (int i = 0; s->labels && i < s->classes; i++)
        free(s->labels[i]);
    free(s->labels);
    free(s->se_info);
    pthread_mutex_destroy(&s->resume_mu);
    free(s);
}
