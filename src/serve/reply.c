/* Answering a request: responses with their headers, JSON errors, and
 * handing a job to the batcher with the connection suspended meanwhile. */
#include "service.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double serve_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

enum MHD_Result reply(request *r, int status, const char *content_type, char *data, size_t length,
                      const char *const *headers)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(length, data, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(data);
        return MHD_NO;
    }
    if (content_type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    for (int i = 0; headers && headers[i]; i += 2)
        MHD_add_response_header(resp, headers[i], headers[i + 1]);
    if (atomic_load(&r->s->stopping))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    r->status = status;
    r->bytes_out = length;
    r->phase = PHASE_ANSWERED;
    enum MHD_Result ok = MHD_queue_response(r->conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    /* the deadline runs again while the answer is sent: a client that reads it a byte at a time is cut too */
    conn_watch_answered(r->s->watch, r->watch);
    return ok;
}

enum MHD_Result reply_json(request *r, int status, json_buf *b, const char *const *headers)
{
    json_buf_puts(b, "\n");
    if (json_buf_failed(b)) {
        json_buf_free(b);
        return reply_error(r, 500, "out of memory for the answer");
    }
    return reply(r, status, "application/json", b->data, b->length, headers);
}

static enum MHD_Result vreply_error(request *r, int status, const char *const *headers, const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    json_buf b = {0};
    json_buf_puts(&b, "{\"error\": ");
    json_put_str(&b, msg);
    json_buf_puts(&b, "}\n");
    if (json_buf_failed(&b)) { /* the fixed text needs no allocation of ours */
        json_buf_free(&b);
        static const char oom[] = "{\"error\": \"out of memory\"}\n";
        struct MHD_Response *resp = MHD_create_response_from_buffer(sizeof oom - 1, (void *)oom,
                                                                    MHD_RESPMEM_PERSISTENT);
        if (!resp)
            return MHD_NO;
        r->status = 500;
        r->phase = PHASE_ANSWERED;
        enum MHD_Result ok = MHD_queue_response(r->conn, 500, resp);
        MHD_destroy_response(resp);
        return ok;
    }
    return reply(r, status, "application/json", b.data, b.length, headers);
}

enum MHD_Result reply_error(request *r, int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    enum MHD_Result ok = vreply_error(r, status, NULL, fmt, ap);
    va_end(ap);
    return ok;
}

enum MHD_Result reply_error_with(request *r, int status, const char *const *headers, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    enum MHD_Result ok = vreply_error(r, status, headers, fmt, ap);
    va_end(ap);
    return ok;
}

void json_put_double(json_buf *b, const char *fmt, double v)
{
    char text[40];
    snprintf(text, sizeof text, fmt, v);
    json_buf_puts(b, text);
}

void json_put_str(json_buf *b, const char *s)
{
    json_buf_string(b, s, strlen(s));
}

/* On the batcher's thread: mark the job done and wake its connection. */
static void job_done(batch_job *job)
{
    request *r = job->ctx;
    server *s = r->s; /* once resumed, r may be answered and freed at any moment */
    pthread_mutex_lock(&s->resume_mu);
    r->job_done = 1;
    MHD_resume_connection(r->conn);
    pthread_mutex_unlock(&s->resume_mu);
}

void submit_job(request *r, int n, int h, int w, int want_excitations)
{
    server *s = r->s;
    r->logits = malloc((size_t)n * s->classes * sizeof *r->logits);
    if (want_excitations && s->se_total)
        r->excitations = malloc((size_t)n * s->se_total * sizeof *r->excitations);
    if (!r->logits || (want_excitations && s->se_total && !r->excitations)) {
        reply_error(r, 500, "out of memory for %d images' answers", n);
        return;
    }
    r->job = (batch_job){.input = r->input, .n = n, .h = h, .w = w, .logits = r->logits,
                         .excitations = r->excitations, .done = job_done, .ctx = r};
    pthread_mutex_lock(&s->resume_mu);
    if (!s->batcher || batcher_submit(s->batcher, &r->job)) {
        pthread_mutex_unlock(&s->resume_mu);
        static const char *const retry[] = {MHD_HTTP_HEADER_RETRY_AFTER, "1", NULL};
        reply_error_with(r, 503, retry, "the queue is full (%d images); retry later", s->o.max_queue);
        return;
    }
    r->phase = PHASE_QUEUED;
    MHD_suspend_connection(r->conn);
    pthread_mutex_unlock(&s->resume_mu);
}
