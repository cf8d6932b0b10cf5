/* op_runner: one op of libsenet, forward and backward, on tensors read from
 * a safetensors file; tests/ref/test_ops.py compares what it writes with
 * PyTorch. Also the check of the optimised GEMM and convolution against
 * their plain references under the micro-kernel SENET_ISA selects.
 *
 *   op_runner OP IN.safetensors OUT.safetensors [key=value ...]
 *   op_runner --fast-vs-plain
 *
 * Tensors are in the ops' own layouts: activations channels-last
 * (N, H, W, C), weights PyTorch's (the Python side transposes). Inputs are
 * F32 (labels I64), outputs F32. The upstream gradient of the output y is
 * d_y (d_loss for cross_entropy); gradients are named d_<input> and start
 * from zero. Every key=value must be used by the op: a misspelt option is an
 * error, not a silent default.
 *
 * The safetensors reading and writing here is a deliberately small subset
 * (F32 and I64, no memory mapping) so that the op tests stand apart from
 * the library's own reader. */
#include "base/alloc.h"
#include "base/real.h"
#include "base/rng.h"
#include "kernels/gemm.h"
#include "kernels/gemm_bf16.h"
#include "kernels/gemm_u8s8.h"
#include "kernels/isa.h"
#include "ops/activation.h"
#include "ops/batchnorm.h"
#include "ops/conv2d.h"
#include "ops/dropout.h"
#include "ops/elementwise.h"
#include "ops/linear.h"
#include "ops/loss.h"
#include "ops/pool.h"
#include "ops/se.h"
#include "senet.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(real) == sizeof(float), "op_runner runs the float library");

#define MAX_SET 32
#define MAX_DIMS 8
#define MAX_PARAMS 16

typedef struct tensor {
    char name[64];
    char dtype[8];           /* "F32" or "I64" */
    int ndim;
    int64_t shape[MAX_DIMS];
    size_t count;
    void *data;
} tensor;

typedef struct tensor_set {
    int count;
    tensor t[MAX_SET];
} tensor_set;

typedef struct param {
    const char *key, *value;
    int used;
} param;

static param g_params[MAX_PARAMS];
static int g_n_params;

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "op_runner: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size);
    if (!p)
        die("out of memory");
    return p;
}

/* ---- a small JSON reader for the safetensors header ---- */

typedef struct cursor {
    const char *p, *end;
} cursor;

static void skip_ws(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static int peek(cursor *c)
{
    skip_ws(c);
    return c->p < c->end ? (unsigned char)*c->p : -1;
}

static void expect(cursor *c, char ch)
{
    if (peek(c) != ch)
        die("safetensors header: expected '%c' at byte %td", ch, c->end - c->p);
    c->p++;
}

/* A string into buf (escapes other than \" and \\ are kept as written). */
static void parse_string(cursor *c, char *buf, size_t cap)
{
    expect(c, '"');
    size_t n = 0;
    while (c->p < c->end && *c->p != '"') {
        char ch = *c->p++;
        if (ch == '\\' && c->p < c->end)
            ch = *c->p++;
        if (n + 1 < cap)
            buf[n++] = ch;
    }
    if (c->p >= c->end)
        die("safetensors header: unterminated string");
    c->p++;
    buf[n] = '\0';
}

static int64_t parse_int(cursor *c)
{
    skip_ws(c);
    char *stop;
    long long v = strtoll(c->p, &stop, 10);
    if (stop == c->p || stop > c->end)
        die("safetensors header: expected an integer");
    c->p = stop;
    return v;
}

static int parse_int_array(cursor *c, int64_t *out, int cap)
{
    int n = 0;
    expect(c, '[');
    if (peek(c) == ']') {
        c->p++;
        return 0;
    }
    for (;;) {
        int64_t v = parse_int(c);
        if (n == cap)
            die("safetensors header: array longer than %d", cap);
        out[n++] = v;
        if (peek(c) == ']') {
            c->p++;
            return n;
        }
        expect(c, ',');
    }
}

/* Skips any value: __metadata__ and keys this reader does not need. */
static void skip_value(cursor *c)
{
    int ch = peek(c);
    char tmp[8];
    if (ch == '"') {
        parse_string(c, tmp, sizeof tmp);
    } else if (ch == '{' || ch == '[') {
        char close = ch == '{' ? '}' : ']';
        c->p++;
        if (peek(c) == close) {
            c->p++;
            return;
        }
        for (;;) {
            if (close == '}') {
                parse_string(c, tmp, sizeof tmp);
                expect(c, ':');
            }
            skip_value(c);
            if (peek(c) == close) {
                c->p++;
                return;
            }
            expect(c, ',');
        }
    } else {
        while (c->p < c->end && !strchr(",}] \t\r\n", *c->p))
            c->p++;
    }
}

static size_t dtype_size(const char *dtype)
{
    if (strcmp(dtype, "F32") == 0)
        return 4;
    if (strcmp(dtype, "I64") == 0)
        return 8;
    return 0;
}

static void read_set(const char *path, tensor_set *set)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("cannot open %s", path);
    unsigned char len8[8];
    if (fread(len8, 1, 8, f) != 8)
        die("%s: too short", path);
    uint64_t header_len = 0;
    for (int i = 7; i >= 0; i--)
        header_len = header_len << 8 | len8[i];
    if (fseek(f, 0, SEEK_END) != 0)
        die("%s: cannot seek", path);
    long file_len = ftell(f);
    if (file_len < 8 || header_len > (uint64_t)file_len - 8)
        die("%s: header length %llu past the end", path, (unsigned long long)header_len);
    size_t body_len = (size_t)file_len - 8 - header_len;
    char *header = xcalloc(header_len + 1, 1);
    unsigned char *body = xcalloc(body_len, 1);
    if (fseek(f, 8, SEEK_SET) != 0 || fread(header, 1, header_len, f) != header_len ||
        fread(body, 1, body_len, f) != body_len)
        die("%s: short read", path);
    fclose(f);

    cursor c = {header, header + header_len};
    memset(set, 0, sizeof *set);
    expect(&c, '{');
    while (peek(&c) != '}') {
        char key[64];
        parse_string(&c, key, sizeof key);
        expect(&c, ':');
        if (strcmp(key, "__metadata__") == 0) {
            skip_value(&c);
        } else {
            if (set->count == MAX_SET)
                die("%s: more than %d tensors", path, MAX_SET);
            tensor *t = &set->t[set->count++];
            snprintf(t->name, sizeof t->name, "%s", key);
            int64_t offsets[2] = {-1, -1};
            expect(&c, '{');
            while (peek(&c) != '}') {
                char field[32];
                parse_string(&c, field, sizeof field);
                expect(&c, ':');
                if (strcmp(field, "dtype") == 0)
                    parse_string(&c, t->dtype, sizeof t->dtype);
                else if (strcmp(field, "shape") == 0)
                    t->ndim = parse_int_array(&c, t->shape, MAX_DIMS);
                else if (strcmp(field, "data_offsets") == 0) {
                    if (parse_int_array(&c, offsets, 2) != 2)
                        die("%s: %s: data_offsets needs two values", path, key);
                } else
                    skip_value(&c);
                if (peek(&c) == ',')
                    c.p++;
            }
            c.p++;
            size_t esize = dtype_size(t->dtype);
            if (!esize)
                die("%s: %s has dtype %s; op_runner reads F32 and I64", path, key, t->dtype);
            t->count = 1;
            for (int d = 0; d < t->ndim; d++) {
                if (t->shape[d] < 0)
                    die("%s: %s has a negative dimension", path, key);
                t->count *= (size_t)t->shape[d];
            }
            if (offsets[0] < 0 || offsets[1] < offsets[0] || (uint64_t)offsets[1] > body_len ||
                (size_t)(offsets[1] - offsets[0]) != t->count * esize)
                die("%s: %s has bad data_offsets", path, key);
            t->data = xcalloc(t->count, esize);
            memcpy(t->data, body + offsets[0], t->count * esize);
        }
        if (peek(&c) == ',')
            c.p++;
    }
    free(header);
    free(body);
}

static void write_set(const char *path, const tensor_set *set)
{
    size_t cap = 64 + (size_t)set->count * (64 + 160), len = 0, offset = 0;
    char *header = xcalloc(cap, 1);
    len += (size_t)snprintf(header + len, cap - len, "{");
    for (int i = 0; i < set->count; i++) {
        const tensor *t = &set->t[i];
        size_t bytes = t->count * dtype_size(t->dtype);
        len += (size_t)snprintf(header + len, cap - len, "%s\"%s\":{\"dtype\":\"%s\",\"shape\":[", i ? "," : "",
                                t->name, t->dtype);
        for (int d = 0; d < t->ndim; d++)
            len += (size_t)snprintf(header + len, cap - len, "%s%lld", d ? "," : "", (long long)t->shape[d]);
        len += (size_t)snprintf(header + len, cap - len, "],\"data_offsets\":[%zu,%zu]}", offset, offset + bytes);
        offset += bytes;
    }
    len += (size_t)snprintf(header + len, cap - len, "}");
    if (len >= cap)
        die("safetensors header overflow");
    while (len % 8)
        header[len++] = ' ';
    FILE *f = fopen(path, "wb");
    if (!f)
        die("cannot create %s", path);
    unsigned char len8[8];
    for (int i = 0; i < 8; i++)
        len8[i] = (unsigned char)((uint64_t)len >> (8 * i));
    int ok = fwrite(len8, 1, 8, f) == 8 && fwrite(header, 1, len, f) == len;
    for (int i = 0; ok && i < set->count; i++) {
        size_t bytes = set->t[i].count * dtype_size(set->t[i].dtype);
        ok = fwrite(set->t[i].data, 1, bytes, f) == bytes;
    }
    if (fclose(f) != 0 || !ok)
        die("cannot write %s", path);
    free(header);
}

/* ---- tensors and options for the ops ---- */

static tensor *find(tensor_set *set, const char *name)
{
    for (int i = 0; i < set->count; i++)
        if (strcmp(set->t[i].name, name) == 0)
            return &set->t[i];
    return NULL;
}

/* The F32 input `name`, its shape checked against ndim dimensions given as
 * int64_t (-1: any size); NULL when absent and not required. */
static real *input(tensor_set *set, const char *name, int required, int ndim, ...)
{
    tensor *t = find(set, name);
    if (!t) {
        if (required)
            die("missing input %s", name);
        return NULL;
    }
    if (strcmp(t->dtype, "F32") != 0)
        die("input %s must be F32, not %s", name, t->dtype);
    if (t->ndim != ndim)
        die("input %s has %d dimensions, expected %d", name, t->ndim, ndim);
    va_list ap;
    va_start(ap, ndim);
    for (int d = 0; d < ndim; d++) {
        int64_t want = va_arg(ap, int64_t);
        if (want >= 0 && t->shape[d] != want)
            die("input %s: dimension %d is %lld, expected %lld", name, d, (long long)t->shape[d], (long long)want);
    }
    va_end(ap);
    return t->data;
}

#define D(x) ((int64_t)(x)) /* a dimension for the variadic shape arguments */
#define NEED(set, name, ...) input(set, name, 1, __VA_ARGS__)
#define MAYBE(set, name, ...) input(set, name, 0, __VA_ARGS__)

static int64_t dim(tensor_set *set, const char *name, int d)
{
    tensor *t = find(set, name);
    if (!t)
        die("missing input %s", name);
    if (d >= t->ndim)
        die("input %s has no dimension %d", name, d);
    return t->shape[d];
}

/* A zeroed F32 output of the given shape. */
static real *output(tensor_set *out, const char *name, int ndim, ...)
{
    if (out->count == MAX_SET)
        die("too many outputs");
    tensor *t = &out->t[out->count++];
    snprintf(t->name, sizeof t->name, "%s", name);
    snprintf(t->dtype, sizeof t->dtype, "F32");
    t->ndim = ndim;
    t->count = 1;
    va_list ap;
    va_start(ap, ndim);
    for (int d = 0; d < ndim; d++) {
        t->shape[d] = va_arg(ap, int64_t);
        t->count *= (size_t)t->shape[d];
    }
    va_end(ap);
    t->data = xcalloc(t->count, sizeof(real));
    return t->data;
}

static const char *param_str(const char *key, const char *fallback)
{
    for (int i = 0; i < g_n_params; i++)
        if (strcmp(g_params[i].key, key) == 0) {
            g_params[i].used = 1;
            return g_params[i].value;
        }
    if (!fallback)
        die("missing option %s=", key);
    return fallback;
}

static int param_int(const char *key)
{
    const char *v = param_str(key, NULL);
    char *stop;
    long x = strtol(v, &stop, 10);
    if (*v == '\0' || *stop != '\0')
        die("option %s=%s is not an integer", key, v);
    return (int)x;
}

static double param_double(const char *key)
{
    const char *v = param_str(key, NULL);
    char *stop;
    double x = strtod(v, &stop);
    if (*v == '\0' || *stop != '\0')
        die("option %s=%s is not a number", key, v);
    return x;
}

static activation_kind param_activation(const char *key)
{
    const char *v = param_str(key, NULL);
    if (strcmp(v, "relu") == 0)
        return ACT_RELU;
    if (strcmp(v, "sigmoid") == 0)
        return ACT_SIGMOID;
    if (strcmp(v, "tanh") == 0)
        return ACT_TANH;
    die("option %s=%s: expected relu, sigmoid or tanh", key, v);
    return ACT_RELU;
}

static void check(int status)
{
    if (status != SENET_OK)
        die("%s: %s", senet_strerror(status), senet_last_error());
}

/* ---- the ops ---- */

static void run_conv2d(tensor_set *in, tensor_set *out)
{
    conv2d_shape s = {.n = (int)dim(in, "x", 0), .h = (int)dim(in, "x", 1), .w = (int)dim(in, "x", 2),
                      .c_in = (int)dim(in, "x", 3), .c_out = (int)dim(in, "weight", 0),
                      .kh = (int)dim(in, "weight", 2), .kw = (int)dim(in, "weight", 3),
                      .stride = param_int("stride"), .pad = param_int("pad"), .groups = param_int("groups")};
    check(conv2d_shape_finish(&s));
    real *x = NEED(in, "x", 4, D(-1), D(-1), D(-1), D(-1));
    real *w = NEED(in, "weight", 4, D(s.c_out), D(s.c_in / s.groups), D(s.kh), D(s.kw));
    real *b = MAYBE(in, "bias", 1, D(s.c_out));
    real *dy = NEED(in, "d_y", 4, D(s.n), D(s.h_out), D(s.w_out), D(s.c_out));
    real *y = output(out, "y", 4, D(s.n), D(s.h_out), D(s.w_out), D(s.c_out));
    real *dx = output(out, "d_x", 4, D(s.n), D(s.h), D(s.w), D(s.c_in));
    real *dw = output(out, "d_weight", 4, D(s.c_out), D(s.c_in / s.groups), D(s.kh), D(s.kw));
    real *db = b ? output(out, "d_bias", 1, D(s.c_out)) : NULL;
    check(conv2d_forward(y, x, w, b, &s));
    check(conv2d_backward(dx, dw, db, dy, x, w, &s));
}

static void run_batchnorm(tensor_set *in, tensor_set *out, int train)
{
    int n = (int)dim(in, "x", 0), h = (int)dim(in, "x", 1), w = (int)dim(in, "x", 2), c = (int)dim(in, "x", 3);
    size_t rows = (size_t)n * h * w;
    real *x = NEED(in, "x", 4, D(n), D(h), D(w), D(c));
    real *gamma = NEED(in, "gamma", 1, D(c));
    real *beta = NEED(in, "beta", 1, D(c));
    real *rm = NEED(in, "running_mean", 1, D(c));
    real *rv = NEED(in, "running_var", 1, D(c));
    real *y = output(out, "y", 4, D(n), D(h), D(w), D(c));
    if (!train) {
        batchnorm_forward_eval(y, x, gamma, beta, rm, rv, rows, c);
        return;
    }
    real *dy = NEED(in, "d_y", 4, D(n), D(h), D(w), D(c));
    real *mean = output(out, "mean", 1, D(c));
    real *inv_std = output(out, "inv_std", 1, D(c));
    real *rm_out = output(out, "running_mean", 1, D(c));
    real *rv_out = output(out, "running_var", 1, D(c));
    memcpy(rm_out, rm, (size_t)c * sizeof(real));
    memcpy(rv_out, rv, (size_t)c * sizeof(real));
    real *dx = output(out, "d_x", 4, D(n), D(h), D(w), D(c));
    real *dg = output(out, "d_gamma", 1, D(c));
    real *db = output(out, "d_beta", 1, D(c));
    /* relu=1: BN with the ReLU after it fused in, y = max(0, BN(x)), d_y the ReLU's output gradient */
    int relu = atoi(param_str("relu", "0"));
    batchnorm_forward_train(y, mean, inv_std, x, gamma, beta, rm_out, rv_out, rows, c, relu, NULL);
    batchnorm_backward(dx, dg, db, dy, relu ? y : NULL, x, mean, inv_std, gamma, rows, c, NULL);
}

static void run_activation(tensor_set *in, tensor_set *out)
{
    activation_kind kind = param_activation("kind");
    tensor *tx = find(in, "x");
    if (!tx)
        die("missing input x");
    size_t count = tx->count;
    real *x = NEED(in, "x", 1, D(count));
    real *dy = NEED(in, "d_y", 1, D(count));
    real *y = output(out, "y", 1, D(count));
    real *dx = output(out, "d_x", 1, D(count));
    activation_forward(y, x, count, kind);
    activation_backward(dx, dy, y, count, kind);
}

static void run_maxpool(tensor_set *in, tensor_set *out)
{
    int k = param_int("k"), stride = param_int("stride"), pad = param_int("pad"), ceil_mode = param_int("ceil");
    int n = (int)dim(in, "x", 0), h = (int)dim(in, "x", 1), w = (int)dim(in, "x", 2), c = (int)dim(in, "x", 3);
    int ho = maxpool_out_size(h, k, stride, pad, ceil_mode), wo = maxpool_out_size(w, k, stride, pad, ceil_mode);
    if (ho <= 0 || wo <= 0)
        die("maxpool: input %dx%d too small", h, w);
    real *x = NEED(in, "x", 4, D(n), D(h), D(w), D(c));
    real *dy = NEED(in, "d_y", 4, D(n), D(ho), D(wo), D(c));
    real *y = output(out, "y", 4, D(n), D(ho), D(wo), D(c));
    real *dx = output(out, "d_x", 4, D(n), D(h), D(w), D(c));
    int32_t *argmax = xcalloc((size_t)n * ho * wo * c, sizeof(int32_t));
    maxpool_forward(y, argmax, x, n, h, w, c, k, stride, pad, ho, wo);
    maxpool_backward(dx, dy, argmax, n, h, w, c, ho, wo);
    /* The inference path (no arg-max) must give the same values bit for bit. */
    size_t count = (size_t)n * ho * wo * c;
    real *y_values = xcalloc(count, sizeof(real));
    maxpool_forward(y_values, NULL, x, n, h, w, c, k, stride, pad, ho, wo);
    if (memcmp(y_values, y, count * sizeof(real)) != 0)
        die("maxpool: the inference path (no arg-max) differs from the training path");
    free(y_values);
    free(argmax);
}

static void run_global_pool(tensor_set *in, tensor_set *out, int is_max)
{
    int n = (int)dim(in, "x", 0), h = (int)dim(in, "x", 1), w = (int)dim(in, "x", 2), c = (int)dim(in, "x", 3);
    real *x = NEED(in, "x", 4, D(n), D(h), D(w), D(c));
    real *dy = NEED(in, "d_y", 2, D(n), D(c));
    real *y = output(out, "y", 2, D(n), D(c));
    real *dx = output(out, "d_x", 4, D(n), D(h), D(w), D(c));
    if (is_max) {
        int32_t *argmax = xcalloc((size_t)n * c, sizeof(int32_t));
        global_maxpool_forward(y, argmax, x, n, h * w, c);
        global_maxpool_backward(dx, dy, argmax, n, h * w, c);
        free(argmax);
    } else {
        global_avgpool_forward(y, x, n, h * w, c);
        global_avgpool_backward(dx, dy, n, h * w, c);
    }
}

static void run_linear(tensor_set *in, tensor_set *out)
{
    int n = (int)dim(in, "x", 0), i = (int)dim(in, "x", 1), o = (int)dim(in, "weight", 0);
    real *x = NEED(in, "x", 2, D(n), D(i));
    real *w = NEED(in, "weight", 2, D(o), D(i));
    real *b = MAYBE(in, "bias", 1, D(o));
    real *dy = NEED(in, "d_y", 2, D(n), D(o));
    real *y = output(out, "y", 2, D(n), D(o));
    real *dx = output(out, "d_x", 2, D(n), D(i));
    real *dw = output(out, "d_weight", 2, D(o), D(i));
    real *db = b ? output(out, "d_bias", 1, D(o)) : NULL;
    linear_forward(y, x, w, b, n, i, o);
    linear_backward(dx, dw, db, dy, x, w, n, i, o);
}

static void run_channel_scale(tensor_set *in, tensor_set *out)
{
    int n = (int)dim(in, "x", 0), h = (int)dim(in, "x", 1), w = (int)dim(in, "x", 2), c = (int)dim(in, "x", 3);
    real *x = NEED(in, "x", 4, D(n), D(h), D(w), D(c));
    real *s = NEED(in, "s", 2, D(n), D(c));
    real *dy = NEED(in, "d_y", 4, D(n), D(h), D(w), D(c));
    real *y = output(out, "y", 4, D(n), D(h), D(w), D(c));
    real *dx = output(out, "d_x", 4, D(n), D(h), D(w), D(c));
    real *ds = output(out, "d_s", 2, D(n), D(c));
    channel_scale_forward(y, x, s, n, h * w, c);
    channel_scale_backward(dx, ds, dy, x, s, n, h * w, c);
}

static void run_add(tensor_set *in, tensor_set *out)
{
    tensor *ta = find(in, "a");
    if (!ta)
        die("missing input a");
    size_t count = ta->count;
    real *a = NEED(in, "a", 1, D(count));
    real *b = NEED(in, "b", 1, D(count));
    real *dy = NEED(in, "d_y", 1, D(count));
    real *y = output(out, "y", 1, D(count));
    real *da = output(out, "d_a", 1, D(count));
    real *db = output(out, "d_b", 1, D(count));
    add_forward(y, a, b, count);
    accumulate(da, dy, count);
    accumulate(db, dy, count);
}

static void run_dropout(tensor_set *in, tensor_set *out)
{
    double p = param_double("p");
    int seed = param_int("seed");
    tensor *tx = find(in, "x");
    if (!tx)
        die("missing input x");
    size_t count = tx->count;
    real *x = NEED(in, "x", 1, D(count));
    real *dy = NEED(in, "d_y", 1, D(count));
    real *y = output(out, "y", 1, D(count));
    real *mask = output(out, "mask", 1, D(count));
    real *dx = output(out, "d_x", 1, D(count));
    rng r;
    rng_seed(&r, (uint64_t)seed);
    dropout_forward(y, mask, x, count, (real)p, &r);
    dropout_backward(dx, dy, mask, count);
}

static void run_cross_entropy(tensor_set *in, tensor_set *out)
{
    double smoothing = param_double("smoothing");
    int n = (int)dim(in, "logits", 0), k = (int)dim(in, "logits", 1);
    real *logits = NEED(in, "logits", 2, D(n), D(k));
    real *d_loss = NEED(in, "d_loss", 1, D(1));
    tensor *tl = find(in, "labels");
    if (!tl || strcmp(tl->dtype, "I64") != 0 || tl->ndim != 1 || tl->shape[0] != n)
        die("labels must be I64 of shape (%d)", n);
    const int64_t *labels = tl->data;
    for (int i = 0; i < n; i++)
        if (labels[i] < 0 || labels[i] >= k)
            die("label %lld out of range", (long long)labels[i]);
    real *loss = output(out, "loss", 1, D(1));
    real *d_logits = output(out, "d_logits", 2, D(n), D(k));
    loss[0] = (real)cross_entropy_forward_backward(d_logits, logits, labels, n, k, smoothing);
    for (size_t i = 0; i < (size_t)n * k; i++)
        d_logits[i] *= d_loss[0];
}

/* An SE's excitation weights w1, w2 (and biases b1, b2 when given) from
 * the inputs, and outputs for their gradients. */
static se_weights se_weights_in(tensor_set *in, int hidden, int c)
{
    se_weights wt = {NEED(in, "w1", 2, D(hidden), D(c)), MAYBE(in, "b1", 1, D(hidden)),
                     NEED(in, "w2", 2, D(c), D(hidden)), MAYBE(in, "b2", 1, D(c))};
    return wt;
}

static se_grads se_grads_out(tensor_set *out, const se_weights *wt, int hidden, int c)
{
    se_grads g = {output(out, "d_w1", 2, D(hidden), D(c)), wt->b1 ? output(out, "d_b1", 1, D(hidden)) : NULL,
                  output(out, "d_w2", 2, D(c), D(hidden)), wt->b2 ? output(out, "d_b2", 1, D(c)) : NULL};
    return g;
}

static void run_se(tensor_set *in, tensor_set *out)
{
    const char *squeeze = param_str("squeeze", NULL);
    if (strcmp(squeeze, "avg") != 0 && strcmp(squeeze, "max") != 0)
        die("option squeeze=%s: expected avg or max", squeeze);
    int n = (int)dim(in, "x", 0), h = (int)dim(in, "x", 1), w = (int)dim(in, "x", 2), c = (int)dim(in, "x", 3);
    int hidden = (int)dim(in, "w1", 0);
    se_shape s = {.n = n, .hw = h * w, .c = c, .hidden = hidden,
                  .squeeze = strcmp(squeeze, "max") == 0 ? SE_SQUEEZE_MAX : SE_SQUEEZE_AVG,
                  .gate = param_activation("gate")};
    real *x = NEED(in, "x", 4, D(n), D(h), D(w), D(c));
    se_weights wt = se_weights_in(in, hidden, c);
    real *dy = NEED(in, "d_y", 4, D(n), D(h), D(w), D(c));
    real *y = output(out, "y", 4, D(n), D(h), D(w), D(c));
    se_saved saved = {output(out, "z", 2, D(n), D(c)), output(out, "h", 2, D(n), D(hidden)),
                      output(out, "s", 2, D(n), D(c)), xcalloc((size_t)n * c, sizeof(int32_t))};
    real *dx = output(out, "d_x", 4, D(n), D(h), D(w), D(c));
    se_grads g = se_grads_out(out, &wt, hidden, c);
    se_forward(y, &saved, x, &wt, &s);
    check(se_backward(dx, &g, dy, x, &saved, &wt, &s));
    free(saved.argmax);
}

/* Training's fusions: an SE scale inside the residual add (and ReLU), or an
 * add and its ReLU, forward and backward in one pass each. Without w1 the
 * op is the add (and ReLU) alone: inputs x and residual. */
static void run_scale_add(tensor_set *in, tensor_set *out)
{
    int relu = param_int("relu");
    int n = (int)dim(in, "x", 0), h = (int)dim(in, "x", 1), w = (int)dim(in, "x", 2), c = (int)dim(in, "x", 3);
    real *x = NEED(in, "x", 4, D(n), D(h), D(w), D(c));
    real *residual = NEED(in, "residual", 4, D(n), D(h), D(w), D(c));
    real *dy = NEED(in, "d_y", 4, D(n), D(h), D(w), D(c));
    real *y = output(out, "y", 4, D(n), D(h), D(w), D(c));
    real *dx = output(out, "d_x", 4, D(n), D(h), D(w), D(c));
    real *dres = output(out, "d_residual", 4, D(n), D(h), D(w), D(c));
    if (!find(in, "w1")) {
        scale_add_forward(y, x, NULL, residual, n, h * w, c, relu);
        scale_add_backward(dx, dres, NULL, dy, relu ? y : NULL, NULL, NULL, n, h * w, c);
        return;
    }
    int hidden = (int)dim(in, "w1", 0);
    se_shape s = {.n = n, .hw = h * w, .c = c, .hidden = hidden, .squeeze = SE_SQUEEZE_AVG, .gate = ACT_SIGMOID};
    se_weights wt = se_weights_in(in, hidden, c);
    se_saved saved = {xcalloc((size_t)n * c, sizeof(real)), xcalloc((size_t)n * hidden, sizeof(real)),
                      xcalloc((size_t)n * c, sizeof(real)), NULL};
    se_grads g = se_grads_out(out, &wt, hidden, c);
    se_excite(&saved, x, &wt, &s);
    scale_add_forward(y, x, saved.s, residual, n, h * w, c, relu);
    check(se_add_backward(dx, dres, &g, dy, relu ? y : NULL, x, &saved, &wt, &s));
    free(saved.z);
    free(saved.h);
    free(saved.s);
}

/* ---- the optimised paths against the plain ones ---- */

#define FAST_TOLERANCE 1e-5 /* max |fast - plain| / max |plain|, float */
#define BF16_TOLERANCE 2e-2 /* the same, bf16 products against fp32 ones: inputs rounded to 8 bits */

static int g_passed, g_failed;

static void verdict_tol(int ok, const char *what, double err, double tol)
{
    if (ok)
        g_passed++;
    else
        g_failed++;
    printf("%s %-60s max err %.1e, tol %.0e\n", ok ? "PASS" : "FAIL", what, err, tol);
}

static void verdict(int ok, const char *what, double err) { verdict_tol(ok, what, err, FAST_TOLERANCE); }

static void fill(real *x, size_t count, rng *r)
{
    for (size_t i = 0; i < count; i++)
        x[i] = (real)rng_normal(r);
}

/* max |a - b| / max |b| over a rows x cols window (leading dimension ld); NaN gives infinity. */
static double rel_err(const real *a, const real *b, size_t rows, size_t cols, size_t ld)
{
    double diff = 0, ref = 0;
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++) {
            double va = a[i * ld + j], vb = b[i * ld + j];
            if (isnan(va) || isnan(vb))
                return INFINITY;
            diff = fmax(diff, fabs(va - vb));
            ref = fmax(ref, fabs(vb));
        }
    return ref > 0 ? diff / ref : diff;
}

/* All four transposes and three alpha/beta pairs, leading dimensions
 * wider than the matrices; with beta == 0, C starts as NaN. */
static void gemm_case(int m, int n, int k, rng *r)
{
    static const float alphas[] = {1, 0.5f, -1.5f}, betas[] = {0, 1, 0.25f};
    double worst = 0;
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++)
            for (int ab = 0; ab < 3; ab++) {
                int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 2, ldc = n + 5;
                size_t a_count = (size_t)(ta ? k : m) * lda, b_count = (size_t)(tb ? n : k) * ldb;
                size_t c_count = (size_t)m * ldc;
                real *a = xcalloc(a_count, sizeof(real)), *b = xcalloc(b_count, sizeof(real));
                real *c_fast = xcalloc(c_count, sizeof(real)), *c_plain = xcalloc(c_count, sizeof(real));
                real *c_serial = xcalloc(c_count, sizeof(real));
                real *ws = xcalloc(gemm_workspace_size(n) + 16, sizeof(real));
                real *ws_aligned = (real *)(((uintptr_t)ws + 63) & ~(uintptr_t)63);
                fill(a, a_count, r);
                fill(b, b_count, r);
                fill(c_plain, c_count, r);
                if (betas[ab] == 0)
                    for (size_t i = 0; i < c_count; i++)
                        c_plain[i] = NAN;
                memcpy(c_fast, c_plain, c_count * sizeof(real));
                memcpy(c_serial, c_plain, c_count * sizeof(real));
                gemm(ta, tb, m, n, k, alphas[ab], a, lda, b, ldb, betas[ab], c_fast, ldc);
                gemm_serial(ta, tb, m, n, k, alphas[ab], a, lda, b, ldb, betas[ab], c_serial, ldc, ws_aligned);
                gemm_plain(ta, tb, m, n, k, alphas[ab], a, lda, b, ldb, betas[ab], c_plain, ldc);
                /* only the m x n window: the padding columns keep their NaN */
                worst = fmax(worst, rel_err(c_fast, c_plain, (size_t)m, (size_t)n, (size_t)ldc));
                worst = fmax(worst, rel_err(c_serial, c_plain, (size_t)m, (size_t)n, (size_t)ldc));
                free(c_serial);
                free(ws);
                free(a);
                free(b);
                free(c_fast);
                free(c_plain);
            }
    char what[96];
    snprintf(what, sizeof what, "gemm and gemm_serial %dx%dx%d (4 transposes, 3 alpha/beta)", m, n, k);
    verdict(worst <= FAST_TOLERANCE, what, worst);
}

/* The bf16 GEMM (the table's block kernel: VDPBF16PS on avx512_bf16, fp32
 * arithmetic elsewhere) against its plain loop, which takes the products
 * in the same order: equal bit for bit, on 1 and 2 threads, B given
 * transposed or not, with and without bias, ReLU and accumulation. Against
 * the fp32 product of the same (unrounded) inputs, the error is bf16's: a
 * packing that put a value in the wrong place would be far off. */
static void gemm_bf16_case(int m, int n, int k, rng *r)
{
    int lda = gemm_bf16_lda(k) + 2, ldc = n + 3;
    float *a32 = xcalloc((size_t)m * k, sizeof(float)), *b = xcalloc((size_t)k * n, sizeof(float));
    float *bias = xcalloc((size_t)n, sizeof(float));
    bf16 *a = xcalloc((size_t)m * lda, sizeof(bf16));
    bf16 *packed = xcalloc(gemm_bf16_packed_b_size(n, k), sizeof(bf16));
    float *c_fast = xcalloc((size_t)m * ldc, sizeof(float)), *c_plain = xcalloc((size_t)m * ldc, sizeof(float));
    float *c32 = xcalloc((size_t)m * n, sizeof(float));
    fill(a32, (size_t)m * k, r);
    fill(b, (size_t)k * n, r);
    fill(bias, (size_t)n, r);
    gemm_bf16_rows(a, lda, m, k, a32, k);
    double exact_err = 0, fp32_err = 0;
    for (int variant = 0; variant < 8; variant++) {
        int trans_b = variant & 1, threads = variant & 2 ? 2 : 1, with_epilogue = variant & 4;
        gemm_epilogue epi = {with_epilogue ? bias : NULL, with_epilogue, with_epilogue};
        /* with trans_b the same values are read as (n x k): op(B) is another matrix, still k x n */
        gemm_bf16_pack_b(packed, trans_b, n, k, b, trans_b ? k : n);
        for (size_t i = 0; i < (size_t)m * ldc; i++)
            c_fast[i] = c_plain[i] = (float)(i % 7) - 3; /* what accumulation adds to */
        gemm_bf16_packed(threads, m, n, k, a, lda, packed, c_fast, ldc, &epi);
        gemm_bf16_plain(m, n, k, a, lda, trans_b, b, trans_b ? k : n, c_plain, ldc, &epi);
        exact_err = fmax(exact_err, rel_err(c_fast, c_plain, (size_t)m, (size_t)n, (size_t)ldc));
        if (!with_epilogue) {
            gemm_plain(0, trans_b, m, n, k, 1, a32, k, b, trans_b ? k : n, 0, c32, n);
            double diff = 0, ref = 0;
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    diff = fmax(diff, fabs((double)c_fast[(size_t)i * ldc + j] - c32[(size_t)i * n + j]));
                    ref = fmax(ref, fabs((double)c32[(size_t)i * n + j]));
                }
            fp32_err = fmax(fp32_err, ref > 0 ? diff / ref : diff);
        }
    }
    char what[96];
    snprintf(what, sizeof what, "gemm_bf16 %dx%dx%d against its plain loop, bit for bit", m, n, k);
    verdict_tol(exact_err == 0, what, exact_err, 0);
    snprintf(what, sizeof what, "gemm_bf16 %dx%dx%d against fp32, bf16's error", m, n, k);
    verdict_tol(fp32_err <= BF16_TOLERANCE, what, fp32_err, BF16_TOLERANCE);
    free(a32), free(b), free(bias), free(a), free(packed), free(c_fast), free(c_plain), free(c32);
}

/* The int8 GEMM (the table's block kernel: VPDPBUSD on avx512_vnni and
 * avx512_bf16, integer loops elsewhere) against its plain loop: integer
 * sums, so equal exactly, over the whole range of both operands (A 0-255,
 * B -128-127), on 1 and 2 threads, B transposed or not, accumulating or not. */
static void gemm_u8s8_case(int m, int n, int k, rng *r)
{
    int lda = gemm_u8s8_lda(k) + 4, ldc = n + 3;
    uint8_t *a = xcalloc((size_t)m * lda, 1);
    int8_t *b = xcalloc((size_t)k * n, 1), *packed = xcalloc(gemm_u8s8_packed_b_size(n, k), 1);
    int32_t *c_fast = xcalloc((size_t)m * ldc, sizeof(int32_t)), *c_plain = xcalloc((size_t)m * ldc, sizeof(int32_t));
    for (size_t i = 0; i < (size_t)m * lda; i++)
        a[i] = (uint8_t)(rng_next(r) >> 24);
    for (size_t i = 0; i < (size_t)k * n; i++)
        b[i] = (int8_t)(uint8_t)(rng_next(r) >> 24);
    a[0] = 255, b[0] = -128; /* the extremes, which VPDPBUSD must not saturate */
    long long wrong = 0;
    for (int variant = 0; variant < 8; variant++) {
        int trans_b = variant & 1, threads = variant & 2 ? 2 : 1, accumulate = variant & 4 ? 1 : 0;
        gemm_u8s8_pack_b(packed, trans_b, n, k, b, trans_b ? k : n);
        for (size_t i = 0; i < (size_t)m * ldc; i++)
            c_fast[i] = c_plain[i] = (int32_t)(i % 11) - 5;
        gemm_u8s8_packed(threads, m, n, k, a, lda, packed, c_fast, ldc, accumulate);
        gemm_u8s8_plain(m, n, k, a, lda, trans_b, b, trans_b ? k : n, c_plain, ldc, accumulate);
        for (size_t i = 0; i < (size_t)m * ldc; i++)
            wrong += c_fast[i] != c_plain[i];
    }
    char what[96];
    snprintf(what, sizeof what, "gemm_u8s8 %dx%dx%d against its plain loop, exactly", m, n, k);
    verdict_tol(wrong == 0, what, (double)wrong, 0);
    free(a), free(b), free(packed), free(c_fast), free(c_plain);
}

/* conv2d_backward (whichever kernels the shape takes: GEMM and col2im, the
 * direct and Winograd data gradients, the weight gradient from the padded
 * input) against the plain gradients, both accumulating onto the same
 * non-zero start. */
static void conv_backward_case(const conv2d_shape *s, const real *x, const real *wt, const char *what, rng *r)
{
    size_t in_count = (size_t)s->n * s->h * s->w * s->c_in;
    size_t w_count = (size_t)s->c_out * (s->c_in / s->groups) * s->kh * s->kw;
    size_t out_count = (size_t)s->n * s->h_out * s->w_out * s->c_out;
    real *dy = xcalloc(out_count, sizeof(real));
    real *dx_fast = xcalloc(in_count, sizeof(real)), *dx_plain = xcalloc(in_count, sizeof(real));
    real *dw_fast = xcalloc(w_count, sizeof(real)), *dw_plain = xcalloc(w_count, sizeof(real));
    fill(dy, out_count, r);
    fill(dx_plain, in_count, r);
    memcpy(dx_fast, dx_plain, in_count * sizeof(real));
    fill(dw_plain, w_count, r);
    memcpy(dw_fast, dw_plain, w_count * sizeof(real));
    check(conv2d_backward(dx_fast, dw_fast, NULL, dy, x, wt, s));
    conv2d_backward_plain(dx_plain, dw_plain, dy, x, wt, s);
    char label[128];
    snprintf(label, sizeof label, "d_in %s", what);
    verdict(rel_err(dx_fast, dx_plain, 1, in_count, in_count) <= FAST_TOLERANCE, label,
            rel_err(dx_fast, dx_plain, 1, in_count, in_count));
    snprintf(label, sizeof label, "d_weight %s", what);
    verdict(rel_err(dw_fast, dw_plain, 1, w_count, w_count) <= FAST_TOLERANCE, label,
            rel_err(dw_fast, dw_plain, 1, w_count, w_count));
    free(dy);
    free(dx_fast);
    free(dx_plain);
    free(dw_fast);
    free(dw_plain);
}

/* Training's fused SE scale + residual add + ReLU backward against the
 * unfused ops it replaces (the ReLU's backward, the add's two accumulations,
 * the scale's backward), all accumulating onto the same non-zero start. */
static void scale_add_case(int n, int hw, int c, rng *r)
{
    size_t count = (size_t)n * hw * c, nc = (size_t)n * c;
    real *x = xcalloc(count, sizeof(real)), *res = xcalloc(count, sizeof(real)), *y = xcalloc(count, sizeof(real));
    real *dy = xcalloc(count, sizeof(real)), *dz = xcalloc(count, sizeof(real)), *s = xcalloc(nc, sizeof(real));
    real *dx[2], *dres[2], *ds[2];
    for (int k = 0; k < 2; k++) {
        dx[k] = xcalloc(count, sizeof(real)), dres[k] = xcalloc(count, sizeof(real)), ds[k] = xcalloc(nc, sizeof(real));
    }
    fill(x, count, r);
    fill(res, count, r);
    fill(dy, count, r);
    fill(s, nc, r);
    fill(dx[0], count, r);
    fill(dres[0], count, r);
    fill(ds[0], nc, r);
    memcpy(dx[1], dx[0], count * sizeof(real));
    memcpy(dres[1], dres[0], count * sizeof(real));
    memcpy(ds[1], ds[0], nc * sizeof(real));
    scale_add_forward(y, x, s, res, n, hw, c, 1);
    scale_add_backward(dx[0], dres[0], ds[0], dy, y, x, s, n, hw, c);
    activation_backward(dz, dy, y, count, ACT_RELU);
    accumulate(dres[1], dz, count);
    channel_scale_backward(dx[1], ds[1], dz, x, s, n, hw, c);
    char what[96];
    snprintf(what, sizeof what, "se scale+add+relu backward %dx%dx%d", n, hw, c);
    double err = fmax(fmax(rel_err(dx[0], dx[1], 1, count, count), rel_err(dres[0], dres[1], 1, count, count)),
                      rel_err(ds[0], ds[1], 1, nc, nc));
    verdict(err <= FAST_TOLERANCE, what, err);
    for (int k = 0; k < 2; k++) {
        free(dx[k]);
        free(dres[k]);
        free(ds[k]);
    }
    free(x);
    free(res);
    free(y);
    free(dy);
    free(dz);
    free(s);
}

static void conv_case(int n, int h, int w, int c_in, int c_out, int kh, int stride, int pad, int groups, int bias,
                      rng *r)
{
    conv2d_shape s = {.n = n, .h = h, .w = w, .c_in = c_in, .c_out = c_out, .kh = kh, .kw = kh, .stride = stride,
                      .pad = pad, .groups = groups};
    check(conv2d_shape_finish(&s));
    size_t in_count = (size_t)n * h * w * c_in, w_count = (size_t)c_out * (c_in / groups) * kh * kh;
    size_t out_count = (size_t)n * s.h_out * s.w_out * c_out;
    real *x = xcalloc(in_count, sizeof(real)), *wt = xcalloc(w_count, sizeof(real));
    real *b = xcalloc((size_t)c_out, sizeof(real));
    real *y_fast = xcalloc(out_count, sizeof(real)), *y_plain = xcalloc(out_count, sizeof(real));
    fill(x, in_count, r);
    fill(wt, w_count, r);
    fill(b, (size_t)c_out, r);
    for (size_t i = 0; i < out_count; i++)
        y_fast[i] = NAN;
    check(conv2d_forward(y_fast, x, wt, bias ? b : NULL, &s));
    conv2d_forward_plain(y_plain, x, wt, bias ? b : NULL, &s);
    char what[96];
    snprintf(what, sizeof what, "conv2d %dx%dx%dx%d->%d k%d s%d p%d g%d%s", n, h, w, c_in, c_out, kh, stride, pad,
             groups, bias ? " bias" : "");
    double err = rel_err(y_fast, y_plain, 1, out_count, out_count);
    verdict(err <= FAST_TOLERANCE, what, err);
    conv_backward_case(&s, x, wt, what, r);

    /* Packed weights with a per-channel scale (a folded batch norm), bias
     * and ReLU against the plain convolution of the scaled weights. */
    real *scale = xcalloc((size_t)c_out, sizeof(real)), *w_scaled = xcalloc(w_count, sizeof(real));
    fill(scale, (size_t)c_out, r);
    for (size_t i = 0; i < w_count; i++)
        w_scaled[i] = wt[i] * scale[i / (w_count / c_out)];
    real *packed = aligned_alloc_checked(conv2d_packed_size(&s) * sizeof(real));
    check(packed ? conv2d_pack_weights(packed, wt, scale, &s, 0) : SENET_ERR_NOMEM);
    conv2d_forward_plain(y_plain, x, w_scaled, bias ? b : NULL, &s);
    for (size_t i = 0; i < out_count; i++)
        y_plain[i] = y_plain[i] > 0 ? y_plain[i] : 0;
    for (size_t i = 0; i < out_count; i++)
        y_fast[i] = NAN;
    check(conv2d_forward_packed(y_fast, x, packed, bias ? b : NULL, 1, &s));
    err = rel_err(y_fast, y_plain, 1, out_count, out_count);
    snprintf(what, sizeof what, "packed+scale+relu %dx%dx%dx%d->%d k%d s%d p%d g%d%s", n, h, w, c_in, c_out, kh,
             stride, pad, groups, bias ? " bias" : "");
    verdict(err <= FAST_TOLERANCE, what, err);
    aligned_free(packed);
    free(scale);
    free(w_scaled);
    free(x);
    free(wt);
    free(b);
    free(y_fast);
    free(y_plain);
}

/* Exit status of a check for an instruction set this CPU lacks: CTest's
 * SKIP_RETURN_CODE, so it counts as skipped, never as passed. */
#define SKIPPED 77

/* Every GEMM and convolution case under the micro-kernel in use. */
static void fast_vs_plain_cases(void)
{
    rng r;
    rng_seed(&r, 12345);
    static const int shapes[][3] = {
        {1, 1, 1},   {1, 7, 3},     {5, 3, 1},    {7, 5, 3},     {13, 17, 19},   {6, 32, 16},
        {12, 64, 8}, {31, 45, 61},  {97, 33, 65}, {1, 600, 300}, {300, 1, 257}, {100, 520, 260},
    };
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        gemm_case(shapes[i][0], shapes[i][1], shapes[i][2], &r);
    /* bf16: odd K (a pair half padding), row and column tails, shapes like
     * se_resnet50's 3x3 layers at batch 1 and its classifier */
    static const int bf16_shapes[][3] = {
        {1, 1, 1}, {3, 10, 27}, {13, 33, 17}, {25, 17, 64}, {49, 96, 2304}, {196, 64, 576}, {37, 1000, 256},
    };
    for (size_t i = 0; i < sizeof bf16_shapes / sizeof bf16_shapes[0]; i++)
        gemm_bf16_case(bf16_shapes[i][0], bf16_shapes[i][1], bf16_shapes[i][2], &r);
    /* int8: K not a multiple of 4, the same tails and shapes */
    for (size_t i = 0; i < sizeof bf16_shapes / sizeof bf16_shapes[0]; i++)
        gemm_u8s8_case(bf16_shapes[i][0], bf16_shapes[i][1], bf16_shapes[i][2], &r);
    /*        n  h   w   cin  cout k  s  p  g   bias */
    conv_case(2, 7, 5, 6, 4, 1, 1, 0, 1, 1, &r);
    conv_case(2, 9, 7, 8, 12, 1, 2, 0, 1, 0, &r);
    conv_case(1, 9, 7, 8, 12, 1, 1, 0, 4, 1, &r);
    conv_case(2, 9, 7, 5, 7, 3, 1, 1, 1, 1, &r);
    conv_case(1, 11, 9, 8, 6, 3, 2, 1, 2, 0, &r);
    conv_case(1, 9, 9, 8, 8, 3, 1, 0, 4, 1, &r);
    conv_case(1, 9, 9, 16, 16, 3, 1, 1, 16, 1, &r);
    conv_case(1, 17, 15, 3, 16, 7, 2, 3, 1, 1, &r);
    conv_case(1, 7, 7, 128, 128, 3, 1, 1, 32, 0, &r);
    conv_case(1, 7, 7, 256, 256, 3, 2, 1, 64, 0, &r);
    conv_case(1, 15, 15, 64, 64, 3, 1, 1, 1, 0, &r);
    /* the grouped 3x3s of ResNeXt 32x4d (cg = og = 4, 8, 16, 32) and
     * SENet-154 (64 groups, og = 2 cg), odd maps, stride 2, several images */
    conv_case(1, 13, 11, 128, 128, 3, 1, 1, 32, 1, &r);
    conv_case(2, 9, 9, 256, 256, 3, 2, 1, 32, 0, &r);
    conv_case(1, 7, 7, 512, 512, 3, 1, 1, 32, 1, &r);
    conv_case(1, 5, 5, 1024, 1024, 3, 2, 1, 32, 1, &r);
    conv_case(1, 11, 13, 128, 256, 3, 1, 1, 64, 1, &r);
    conv_case(3, 6, 7, 256, 512, 3, 2, 1, 64, 0, &r);
    conv_case(1, 7, 7, 512, 1024, 3, 1, 1, 64, 1, &r);
    conv_case(1, 3, 3, 1024, 2048, 3, 2, 1, 64, 1, &r);
    conv_case(1, 6, 6, 48, 48, 5, 1, 2, 16, 1, &r);
    /* Winograd F(2x2, 3x3): odd maps (partial tiles), no padding, channels
     * that are not multiples of 16, several chunks of tiles */
    conv_case(2, 19, 21, 32, 48, 3, 1, 1, 1, 1, &r);
    conv_case(1, 9, 8, 24, 40, 3, 1, 0, 1, 0, &r);
    conv_case(3, 7, 7, 64, 32, 3, 1, 1, 1, 1, &r);
    /* the Winograd data gradient (C_in not 16 or 32) in chunks each thread owns: 960 tiles */
    conv_case(4, 31, 29, 40, 24, 3, 1, 1, 1, 0, &r);
    /* more images than threads: each thread takes whole images */
    conv_case(5, 8, 8, 16, 16, 3, 1, 1, 1, 0, &r);
    conv_case(3, 9, 9, 32, 16, 3, 2, 1, 1, 1, &r);
    conv_case(4, 6, 6, 16, 32, 1, 1, 0, 1, 1, &r);
    /* one image and many (threads over images), odd channel counts */
    scale_add_case(1, 49, 2048, &r);
    scale_add_case(9, 63, 17, &r);
}

/* The cases under one micro-kernel (isa), or under each this CPU has (NULL):
 * switched in this process with isa_set, so that one run covers them
 * all. A named one the CPU lacks is reported and skipped. */
static int fast_vs_plain(const char *isa)
{
    static const char *const all[] = {"avx512_bf16", "avx512_vnni", "avx512", "avx2", "portable"};
    int ran = 0;
    for (int i = 0; i < 5; i++) {
        if (isa && strcmp(isa, all[i]) != 0)
            continue;
        if (!isa_supported(all[i])) {
            printf("SKIP fast vs plain on %s: this CPU does not have it\n", all[i]);
            continue;
        }
        verdict(isa_set(all[i]) == SENET_OK && strcmp(isa_name(), all[i]) == 0, "the micro-kernel switches", 0);
        printf("fast vs plain: micro-kernel %s\n", isa_name());
        fast_vs_plain_cases();
        ran++;
    }
    if (isa && !ran && strcmp(isa, "avx512_bf16") && strcmp(isa, "avx512_vnni") && strcmp(isa, "avx512") &&
        strcmp(isa, "avx2") && strcmp(isa, "portable")) {
        printf("FAIL: --isa %s is not one of avx512_bf16, avx512_vnni, avx512, avx2, portable\n", isa);
        return 2;
    }
    printf("%d passed, %d failed\n", g_passed, g_failed);
    if (!ran)
        return SKIPPED;
    return g_failed ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--fast-vs-plain") == 0)
        return fast_vs_plain(argc == 4 && strcmp(argv[2], "--isa") == 0 ? argv[3] : NULL);
    if (argc == 2 && strcmp(argv[1], "--isa-check") == 0) { /* SENET_ISA can be followed here, or why not */
        int status = isa_check();
        if (status)
            printf("%s\n", senet_last_error());
        return status ? (getenv("SENET_ISA") && strstr(senet_last_error(), "does not have") ? SKIPPED : 2) : 0;
    }
    if (argc < 4) {
        fprintf(stderr, "usage: op_runner OP IN.safetensors OUT.safetensors [key=value ...]\n"
                        "       op_runner --fast-vs-plain [--isa avx512_bf16|avx512_vnni|avx512|avx2|portable]\n"
                        "       op_runner --isa-check\n");
        return 2;
    }
    for (int i = 4; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq || g_n_params == MAX_PARAMS)
            die("bad option %s (key=value)", argv[i]);
        *eq = '\0';
        g_params[g_n_params++] = (param){argv[i], eq + 1, 0};
    }
    const char *op = argv[1];
    tensor_set in, out = {0};
    read_set(argv[2], &in);
    if (strcmp(op, "conv2d") == 0)
        run_conv2d(&in, &out);
    else if (strcmp(op, "batchnorm_train") == 0)
        run_batchnorm(&in, &out, 1);
    else if (strcmp(op, "batchnorm_eval") == 0)
        run_batchnorm(&in, &out, 0);
    else if (strcmp(op, "activation") == 0)
        run_activation(&in, &out);
    else if (strcmp(op, "maxpool") == 0)
        run_maxpool(&in, &out);
    else if (strcmp(op, "global_avgpool") == 0)
        run_global_pool(&in, &out, 0);
    else if (strcmp(op, "global_maxpool") == 0)
        run_global_pool(&in, &out, 1);
    else if (strcmp(op, "linear") == 0)
        run_linear(&in, &out);
    else if (strcmp(op, "channel_scale") == 0)
        run_channel_scale(&in, &out);
    else if (strcmp(op, "add") == 0)
        run_add(&in, &out);
    else if (strcmp(op, "dropout") == 0)
        run_dropout(&in, &out);
    else if (strcmp(op, "cross_entropy") == 0)
        run_cross_entropy(&in, &out);
    else if (strcmp(op, "se") == 0)
        run_se(&in, &out);
    else if (strcmp(op, "scale_add") == 0)
        run_scale_add(&in, &out);
    else
        die("unknown op %s", op);
    for (int i = 0; i < g_n_params; i++)
        if (!g_params[i].used)
            die("option %s= is not used by %s", g_params[i].key, op);
    write_set(argv[3], &out);
    for (int i = 0; i < in.count; i++)
        free(in.t[i].data);
    for (int i = 0; i < out.count; i++)
        free(out.t[i].data);
    return 0;
}
