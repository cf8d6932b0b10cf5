/* The Open Inference Protocol v2 (KServe, Triton): server and model
 * metadata, and POST /v2/models/{name}/infer with one FP32 tensor `input`
 * (N, 3, H, W) answered by `logits` (N, K). The tensor comes as JSON
 * numbers (flat or nested) or, with the binary tensor extension, as raw
 * little-endian bytes after a JSON header of Inference-Header-Content-Length
 * bytes; the answer is binary too when the request asks for it. */
#include "service.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum MHD_Result oip_server_metadata(request *r)
{
    json_buf b = {0};
    json_buf_puts(&b, "{\"name\": \"senet\", \"version\": \"" SENET_VERSION "\", \"extensions\": [\"binary_tensor_data\"]}");
    return reply_json(r, 200, &b, NULL);
}

enum MHD_Result oip_model_metadata(request *r)
{
    server *s = r->s;
    if (!atomic_load(&s->ready))
        return reply_error(r, 503, "the model is loading");
    json_buf b = {0};
    json_buf_puts(&b, "{\"name\": ");
    json_put_str(&b, s->name);
    json_buf_puts(&b, ", \"versions\": [\"1\"], \"platform\": \"senet\", \"arch\": ");
    json_put_str(&b, s->arch);
    json_buf_puts(&b, ", \"inputs\": [{\"name\": \"input\", \"datatype\": \"FP32\", \"shape\": [-1, 3, ");
    json_buf_int(&b, s->input_size);
    json_buf_puts(&b, ", ");
    json_buf_int(&b, s->input_size);
    json_buf_puts(&b, "]}], \"outputs\": [{\"name\": \"logits\", \"datatype\": \"FP32\", \"shape\": [-1, ");
    json_buf_int(&b, s->classes);
    json_buf_puts(&b, "]}]}");
    return reply_json(r, 200, &b, NULL);
}

static int is_true(const json_value *v)
{
    return v && v->type == JSON_TRUE;
}

static const json_value *param(const json_value *obj, const char *key)
{
    const json_value *p = obj ? json_object_get(obj, "parameters") : NULL;
    return p && p->type == JSON_OBJECT ? json_object_get(p, key) : NULL;
}

static int number_of(const json_value *v, double *out)
{
    if (v->type == JSON_INT) {
        *out = (double)v->u.integer;
        return 0;
    }
    if (v->type != JSON_NUMBER)
        return -1;
    char *end;
    *out = strtod(v->u.str.text, &end);
    return *end ? -1 : 0;
}

/* Flattens nested arrays of numbers into out (count floats); -1 with msg on a non-number or a wrong count. */
static int flatten(const json_value *v, float *out, size_t count, size_t *at, char *msg, size_t msg_size)
{
    if (v->type == JSON_ARRAY) {
        for (size_t i = 0; i < v->u.list.count; i++)
            if (flatten(&v->u.list.items[i], out, count, at, msg, msg_size))
                return -1;
        return 0;
    }
    double x;
    if (number_of(v, &x)) {
        snprintf(msg, msg_size, "input data holds a non-number at byte %zu of the JSON", v->offset);
        return -1;
    }
    if (*at >= count) {
        snprintf(msg, msg_size, "input data has more values than its shape's %zu", count);
        return -1;
    }
    out[(*at)++] = (float)x;
    return 0;
}

static void infer_answer(request *r)
{
    server *s = r->s;
    int n = r->job.n;
    size_t values = (size_t)n * s->classes;
    json_buf b = {0};
    json_buf_puts(&b, "{\"model_name\": ");
    json_put_str(&b, s->name);
    json_buf_puts(&b, ", \"model_version\": \"1\"");
    if (r->id[0]) {
        json_buf_puts(&b, ", \"id\": ");
        json_put_str(&b, r->id);
    }
    json_buf_puts(&b, ", \"outputs\": [{\"name\": \"logits\", \"datatype\": \"FP32\", \"shape\": [");
    json_buf_int(&b, n);
    json_buf_puts(&b, ", ");
    json_buf_int(&b, s->classes);
    json_buf_puts(&b, "]");
    if (r->binary_out) {
        json_buf_puts(&b, ", \"parameters\": {\"binary_data_size\": ");
        json_buf_int(&b, (int64_t)(values * sizeof(float)));
        json_buf_puts(&b, "}}]}");
        size_t header = b.length;
        json_buf_append(&b, (const char *)r->logits, values * sizeof(float)); /* little-endian hosts only */
        if (json_buf_failed(&b)) {
            json_buf_free(&b);
            reply_error(r, 500, "out of memory");
            return;
        }
        char header_text[32];
        snprintf(header_text, sizeof header_text, "%zu", header);
        const char *const headers[] = {"Inference-Header-Content-Length", header_text, NULL};
        reply(r, 200, "application/octet-stream", b.data, b.length, headers);
        return;
    }
    json_buf_puts(&b, ", \"data\": [");
    for (size_t i = 0; i < values; i++) {
        if (i)
            json_buf_puts(&b, ",");
        json_put_double(&b, "%.9g", r->logits[i]); /* 9 digits: a float survives the round trip */
    }
    json_buf_puts(&b, "]}]}");
    reply_json(r, 200, &b, NULL);
}

/* Reads the request's one input tensor into r->input; 0, or the HTTP status with msg. */
static int read_tensor(request *r, const json_value *root, const unsigned char *binary, size_t binary_size, int *n,
                       int *h, int *w, char *msg, size_t msg_size)
{
    server *s = r->s;
    const json_value *inputs = root->type == JSON_OBJECT ? json_object_get(root, "inputs") : NULL;
    if (!inputs || inputs->type != JSON_ARRAY || inputs->u.list.count != 1) {
        snprintf(msg, msg_size, "the request needs \"inputs\": an array of exactly one tensor, \"input\"");
        return 400;
    }
    const json_value *t = &inputs->u.list.items[0];
    const json_value *name = t->type == JSON_OBJECT ? json_object_get(t, "name") : NULL;
    const json_value *dtype = t->type == JSON_OBJECT ? json_object_get(t, "datatype") : NULL;
    const json_value *shape = t->type == JSON_OBJECT ? json_object_get(t, "shape") : NULL;
    if (!name || name->type != JSON_STRING || strcmp(name->u.str.text, "input") != 0) {
        snprintf(msg, msg_size, "unknown input %s%s%s: the model's input is \"input\"", name ? "\"" : "",
                 name && name->type == JSON_STRING ? name->u.str.text : "(none)", name ? "\"" : "");
        return 400;
    }
    if (!dtype || dtype->type != JSON_STRING || strcmp(dtype->u.str.text, "FP32") != 0) {
        snprintf(msg, msg_size, "input datatype %s is not supported: send FP32",
                 dtype && dtype->type == JSON_STRING ? dtype->u.str.text : "(none)");
        return 400;
    }
    int64_t dims[4];
    int ok = shape && shape->type == JSON_ARRAY && shape->u.list.count == 4;
    for (int i = 0; ok && i < 4; i++) {
        ok = shape->u.list.items[i].type == JSON_INT;
        dims[i] = ok ? shape->u.list.items[i].u.integer : 0;
    }
    if (!ok || dims[0] < 1 || dims[1] != 3 || dims[2] < 1 || dims[3] < 1 || dims[2] > 4096 || dims[3] > 4096) {
        snprintf(msg, msg_size, "input shape must be [N, 3, H, W] with N >= 1 and 1 <= H, W <= 4096");
        return 400;
    }
    if (dims[0] > s->o.max_queue) {
        snprintf(msg, msg_size, "a batch of %lld images is over the queue's %d", (long long)dims[0], s->o.max_queue);
        return 413;
    }
    if (dims[0] * dims[2] * dims[3] > s->o.max_pixels) {
        snprintf(msg, msg_size, "N x H x W = %lld pixels is over --max-pixels %lld",
                 (long long)(dims[0] * dims[2] * dims[3]), s->o.max_pixels);
        return 413;
    }
    *n = (int)dims[0];
    *h = (int)dims[2];
    *w = (int)dims[3];
    size_t count = (size_t)dims[0] * 3 * dims[2] * dims[3];
    r->input = malloc(count * sizeof *r->input);
    if (!r->input) {
        snprintf(msg, msg_size, "out of memory for the input");
        return 500;
    }
    const json_value *bsize = param(t, "binary_data_size");
    if (bsize) {
        if (bsize->type != JSON_INT || (uint64_t)bsize->u.integer != count * sizeof(float) ||
            binary_size != count * sizeof(float)) {
            snprintf(msg, msg_size, "binary input: shape needs %zu bytes; binary_data_size says %lld, the body has %zu",
                     count * sizeof(float), bsize->type == JSON_INT ? (long long)bsize->u.integer : -1LL,
                     binary_size);
            return 400;
        }
        memcpy(r->input, binary, count * sizeof(float)); /* little-endian hosts only */
    } else {
        const json_value *data = json_object_get(t, "data");
        size_t at = 0;
        if (!data || data->type != JSON_ARRAY) {
            snprintf(msg, msg_size, "input has no \"data\" array (nor binary_data_size)");
            return 400;
        }
        if (flatten(data, r->input, count, &at, msg, msg_size))
            return 400;
        if (at != count) {
            snprintf(msg, msg_size, "input data has %zu values; shape [%d, 3, %d, %d] needs %zu", at, *n, *h, *w,
                     count);
            return 400;
        }
    }
    for (size_t i = 0; i < count; i++)
        if (!isfinite(r->input[i])) {
            snprintf(msg, msg_size, "input value %zu is not finite", i);
            return 400;
        }
    return 0;
}

void infer_body(request *r)
{
    size_t header = r->length;
    const char *hl = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Inference-Header-Content-Length");
    if (hl) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(hl, &end, 10);
        if (errno || *end || *hl == '\0' || v > r->length) {
            reply_error(r, 400, "Inference-Header-Content-Length %s is not a length within the body's %zu bytes", hl,
                        r->length);
            return;
        }
        header = (size_t)v;
    }
    json_doc *doc = NULL;
    if (json_parse((const char *)r->body, header, "request", &doc)) {
        reply_error(r, 400, "malformed JSON: %s", senet_last_error());
        return;
    }
    const json_value *root = json_root(doc);
    char msg[512];
    int n = 0, h = 0, w = 0;
    int status = read_tensor(r, root, r->body + header, r->length - header, &n, &h, &w, msg, sizeof msg);
    if (!status) {
        const json_value *id = json_object_get(root, "id");
        if (id && id->type == JSON_STRING)
            snprintf(r->id, sizeof r->id, "%s", id->u.str.text);
        r->binary_out = is_true(param(root, "binary_data_output"));
        const json_value *outs = json_object_get(root, "outputs");
        if (outs && outs->type == JSON_ARRAY)
            for (size_t i = 0; i < outs->u.list.count; i++)
                r->binary_out |= is_true(param(&outs->u.list.items[i], "binary_data"));
    }
    json_free(doc);
    if (status) {
        reply_error(r, status, "%s", msg);
        return;
    }
    free(r->body);
    r->body = NULL;
    r->answer = infer_answer;
    submit_job(r, n, h, w, 0);
}
