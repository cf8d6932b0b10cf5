/* Gradient check: every op's backward against central finite differences.
 *
 * This file and the base, kernel and op sources are compiled with
 * -DSENET_REAL_DOUBLE, so the ops run in double precision and a finite
 * difference with h = 1e-6 is accurate to about 1e-10. Each case draws
 * its inputs and parameters, a random upstream gradient G, and checks
 *     dL/dv  against  (L(v+h) - L(v-h)) / 2h,   L = sum(out * G),
 * for every element of every input and parameter (a random sample of
 * MAX_CHECKED elements of larger tensors). The gradient buffers are
 * pre-filled with noise before backward and the noise is subtracted
 * afterwards, so an op that overwrites instead of accumulating fails.
 *
 * The Winograd F(2x2, 3x3) forward and data gradient (3x3 stride-1 layers
 * of 16 channels or more) are checked the same way. The grouped direct
 * kernel has no double-precision build (its SIMD is float-only) and only a
 * forward: the fast-vs-plain cases of op_runner and torch_ops check it.
 *
 * Inputs are built away from the kinks of the ops: ReLU inputs and
 * pre-activations are kept at least KINK_MARGIN from zero, and the values
 * that max pooling compares are distinct by a gap much wider than 2h. */
#include "base/real.h"
#include "base/rng.h"
#include "base/threads.h"
#include "kernels/gemm.h"
#include "kernels/isa.h"
#include "ops/activation.h"
#include "ops/batchnorm.h"
#include "ops/conv2d.h"
#include "ops/conv2d_winograd.h"
#include "ops/dropout.h"
#include "ops/elementwise.h"
#include "ops/linear.h"
#include "ops/loss.h"
#include "ops/pool.h"
#include "ops/se.h"
#include "senet.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(real) == sizeof(double), "gradcheck must be compiled with -DSENET_REAL_DOUBLE");

#define STEP 1e-6          /* finite-difference step h */
#define TOLERANCE 1e-6     /* on |a - n| / max(|a| + |n|, DENOM_FLOOR * max|a| of the tensor) */
#define DENOM_FLOOR 1e-2   /* see run_case */
#define MAX_CHECKED 400    /* elements per tensor checked by finite differences */
#define KINK_MARGIN 1e-3   /* distance of ReLU inputs from 0; far above h * |weights| */
#define MAX_TENSORS 6
#define MAX_ALLOCS 24

typedef struct gc_tensor {
    const char *name;
    real *x;      /* value, perturbed in place */
    real *grad;   /* analytic gradient */
    size_t count;
} gc_tensor;

typedef struct gc_case gc_case;
struct gc_case {
    char name[160];
    gc_tensor t[MAX_TENSORS]; /* the inputs and parameters that get gradients */
    int n_tensors;
    real *out;                /* forward output, out_count values */
    size_t out_count;
    int (*forward)(gc_case *);
    int (*backward)(gc_case *, const real *d_out);
    void *op;                 /* the op's own parameters */
    void *allocs[MAX_ALLOCS];
    int n_allocs;
};

static rng g_rng;
static int g_passed, g_failed;

/* ---- case plumbing ---- */

static void *case_calloc(gc_case *c, size_t count, size_t size)
{
    if (c->n_allocs == MAX_ALLOCS) {
        fprintf(stderr, "gradcheck: too many buffers in %s\n", c->name);
        exit(2);
    }
    void *p = calloc(count ? count : 1, size);
    if (!p) {
        fprintf(stderr, "gradcheck: out of memory\n");
        exit(2);
    }
    c->allocs[c->n_allocs++] = p;
    return p;
}

static void case_free(gc_case *c)
{
    for (int i = 0; i < c->n_allocs; i++)
        free(c->allocs[i]);
}

static void case_init(gc_case *c, void *op, size_t out_count, int (*forward)(gc_case *),
                      int (*backward)(gc_case *, const real *), const char *fmt, ...)
{
    memset(c, 0, sizeof *c);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->name, sizeof c->name, fmt, ap);
    va_end(ap);
    c->op = op;
    c->out_count = out_count;
    c->out = case_calloc(c, out_count, sizeof(real));
    c->forward = forward;
    c->backward = backward;
}

static real normal(void) { return (real)rng_normal(&g_rng); }

static void fill_normal(real *x, size_t count, real scale)
{
    for (size_t i = 0; i < count; i++)
        x[i] = scale * normal();
}

/* Values away from 0 by at least `margin`, either sign. */
static void fill_away_from_zero(real *x, size_t count, real margin)
{
    for (size_t i = 0; i < count; i++) {
        real v = normal();
        x[i] = v < 0 ? v - margin : v + margin;
    }
}

/* A random permutation of an evenly spaced grid over [-1, 1]: all distinct,
 * neighbours 2 / count apart, so max pooling has no ties within 2h. */
static void fill_distinct(real *x, size_t count)
{
    for (size_t i = 0; i < count; i++)
        x[i] = count > 1 ? (real)(-1.0 + 2.0 * (double)i / (double)(count - 1)) : 0;
    for (size_t i = count; i > 1; i--) {
        size_t j = (size_t)(rng_uniform(&g_rng) * (double)i);
        real t = x[i - 1];
        x[i - 1] = x[j];
        x[j] = t;
    }
}

/* Registers an input or parameter with gradient; returns its value buffer (normal(0, 1)). */
static real *case_tensor(gc_case *c, const char *name, size_t count, real **grad)
{
    if (c->n_tensors == MAX_TENSORS) {
        fprintf(stderr, "gradcheck: too many tensors in %s\n", c->name);
        exit(2);
    }
    gc_tensor *t = &c->t[c->n_tensors++];
    t->name = name;
    t->count = count;
    t->x = case_calloc(c, count, sizeof(real));
    t->grad = case_calloc(c, count, sizeof(real));
    fill_normal(t->x, count, 1);
    *grad = t->grad;
    return t->x;
}

/* sum(out * G) in long double so that rounding of the sum itself stays far below h * |dL/dv|. */
static int case_loss(gc_case *c, const real *g_out, long double *loss)
{
    int status = c->forward(c);
    if (status != SENET_OK)
        return status;
    long double sum = 0;
    for (size_t i = 0; i < c->out_count; i++)
        sum += (long double)c->out[i] * g_out[i];
    *loss = sum;
    return SENET_OK;
}

static void report(const gc_case *c, int ok, double worst, const char *worst_name, size_t checked, const char *why)
{
    if (ok)
        g_passed++;
    else
        g_failed++;
    if (why)
        printf("%s %-58s %s\n", ok ? "PASS" : "FAIL", c->name, why);
    else
        printf("%s %-58s max rel err %.1e (%s) over %zu elements, tol %.0e\n", ok ? "PASS" : "FAIL", c->name,
               worst, worst_name, checked, TOLERANCE);
}

static void run_case(gc_case *c)
{
    real *g_out = case_calloc(c, c->out_count, sizeof(real));
    fill_normal(g_out, c->out_count, 1);
    real *prefill[MAX_TENSORS];
    long double loss0;
    if (case_loss(c, g_out, &loss0) != SENET_OK) {
        report(c, 0, 0, "", 0, senet_last_error());
        return;
    }
    for (int i = 0; i < c->n_tensors; i++) {
        prefill[i] = case_calloc(c, c->t[i].count, sizeof(real));
        fill_normal(prefill[i], c->t[i].count, 1);
        memcpy(c->t[i].grad, prefill[i], c->t[i].count * sizeof(real));
    }
    /* backward right after the forward at the unperturbed point: it may use what forward saved */
    if (c->backward(c, g_out) != SENET_OK) {
        report(c, 0, 0, "", 0, senet_last_error());
        return;
    }
    for (int i = 0; i < c->n_tensors; i++)
        for (size_t j = 0; j < c->t[i].count; j++)
            c->t[i].grad[j] -= prefill[i][j];

    /* The analytic pass above ran on all threads; the thousands of forward
     * passes of the finite differences run on one, which keeps them
     * deterministic and fast on a loaded machine, where a tiny parallel
     * region waits for a descheduled thread. */
    threads_set(1);

    double worst = 0;
    const char *worst_name = "";
    size_t checked = 0;
    for (int i = 0; i < c->n_tensors; i++) {
        gc_tensor *t = &c->t[i];
        /* The finite difference carries an absolute rounding error of about
         * 1e-16 * |L| / h, up to 1e-9 here, so the relative error of a gradient
         * a hundred times smaller than the tensor's largest measures that
         * noise, not the op: such elements are held to an absolute error of
         * TOLERANCE * DENOM_FLOOR * max|a| instead. */
        double scale = 1e-300;
        for (size_t j = 0; j < t->count; j++)
            scale = fmax(scale, fabs(t->grad[j]));
        size_t n_check = t->count < MAX_CHECKED ? t->count : MAX_CHECKED;
        for (size_t s = 0; s < n_check; s++) {
            size_t j = t->count <= MAX_CHECKED ? s : (size_t)(rng_uniform(&g_rng) * (double)t->count);
            real v = t->x[j], up = v + (real)STEP, down = v - (real)STEP;
            long double lp, lm;
            t->x[j] = up;
            int st = case_loss(c, g_out, &lp);
            t->x[j] = down;
            if (st == SENET_OK)
                st = case_loss(c, g_out, &lm);
            t->x[j] = v;
            if (st != SENET_OK) {
                threads_set(0);
                report(c, 0, 0, "", 0, senet_last_error());
                return;
            }
            double num = (double)((lp - lm) / ((long double)up - (long double)down));
            double ana = t->grad[j];
            double err = fabs(ana - num) / fmax(fabs(ana) + fabs(num), DENOM_FLOOR * scale);
            if (!(err <= worst)) {
                worst = isnan(err) ? INFINITY : err;
                worst_name = t->name;
            }
            checked++;
        }
    }
    threads_set(0);
    report(c, worst <= TOLERANCE, worst, worst_name, checked, NULL);
}

static void finish_case(gc_case *c)
{
    run_case(c);
    case_free(c);
}

/* ---- conv2d ---- */

typedef struct conv_op {
    conv2d_shape s;
    real *x, *w, *b, *gx, *gw, *gb;
    int with_d_in;
} conv_op;

static int conv_fwd(gc_case *c)
{
    conv_op *p = c->op;
    return conv2d_forward(c->out, p->x, p->w, p->b, &p->s);
}

static int conv_bwd(gc_case *c, const real *d_out)
{
    conv_op *p = c->op;
    return conv2d_backward(p->with_d_in ? p->gx : NULL, p->gw, p->gb, d_out, p->x, p->w, &p->s);
}

static void check_conv(int n, int h, int w, int c_in, int c_out, int kh, int kw, int stride, int pad, int groups,
                       int bias, int with_d_in)
{
    conv_op op = {.s = {.n = n, .h = h, .w = w, .c_in = c_in, .c_out = c_out, .kh = kh, .kw = kw,
                        .stride = stride, .pad = pad, .groups = groups},
                  .with_d_in = with_d_in};
    gc_case c;
    if (conv2d_shape_finish(&op.s) != SENET_OK) {
        fprintf(stderr, "gradcheck: bad conv case: %s\n", senet_last_error());
        exit(2);
    }
    case_init(&c, &op, (size_t)n * op.s.h_out * op.s.w_out * c_out, conv_fwd, conv_bwd,
              "conv2d %dx%dx%dx%d->%d k%dx%d s%d p%d g%d%s%s", n, h, w, c_in, c_out, kh, kw, stride, pad, groups,
              bias ? " bias" : "", with_d_in ? "" : " no-d_in");
    size_t in_count = (size_t)n * h * w * c_in;
    if (with_d_in) {
        op.x = case_tensor(&c, "x", in_count, &op.gx);
    } else {
        op.x = case_calloc(&c, in_count, sizeof(real));
        fill_normal(op.x, in_count, 1);
    }
    op.w = case_tensor(&c, "weight", (size_t)c_out * (c_in / groups) * kh * kw, &op.gw);
    if (bias)
        op.b = case_tensor(&c, "bias", (size_t)c_out, &op.gb);
    finish_case(&c);
}

/* A case that must take the Winograd forward and data gradient (the
 * training path of 3x3 stride-1 layers): checked like any convolution,
 * after making sure the shape does take them. */
static void check_winograd_conv(int n, int h, int w, int c_in, int c_out, int pad, int bias)
{
    conv2d_shape s = {.n = n, .h = h, .w = w, .c_in = c_in, .c_out = c_out, .kh = 3, .kw = 3, .stride = 1,
                      .pad = pad, .groups = 1};
    if (conv2d_shape_finish(&s) != SENET_OK || strcmp(conv2d_method_name(&s), "winograd") != 0 ||
        !conv2d_winograd_backward_data_applies(&s)) {
        printf("FAIL conv2d %dx%dx%dx%d->%d k3x3 p%d: expected the Winograd forward and data gradient, got %s\n", n,
               h, w, c_in, c_out, pad, conv2d_method_name(&s));
        g_failed++;
        return;
    }
    check_conv(n, h, w, c_in, c_out, 3, 3, 1, pad, 1, bias, 1);
}

/* ---- batch norm (train) ---- */

typedef struct bn_op {
    size_t rows;
    int c;
    real *x, *gamma, *beta, *gx, *ggamma, *gbeta;
    real *mean, *inv_std;
} bn_op;

static int bn_fwd(gc_case *c)
{
    bn_op *p = c->op;
    batchnorm_forward_train(c->out, p->mean, p->inv_std, p->x, p->gamma, p->beta, NULL, NULL, p->rows, p->c, 0, NULL);
    return SENET_OK;
}

static int bn_bwd(gc_case *c, const real *d_out)
{
    bn_op *p = c->op;
    batchnorm_backward(p->gx, p->ggamma, p->gbeta, d_out, NULL, p->x, p->mean, p->inv_std, p->gamma, p->rows, p->c,
                       NULL);
    return SENET_OK;
}

static void check_batchnorm(int n, int h, int w, int ch)
{
    bn_op op = {.rows = (size_t)n * h * w, .c = ch};
    gc_case c;
    case_init(&c, &op, op.rows * ch, bn_fwd, bn_bwd, "batchnorm train %dx%dx%dx%d", n, h, w, ch);
    op.x = case_tensor(&c, "x", op.rows * ch, &op.gx);
    op.gamma = case_tensor(&c, "gamma", (size_t)ch, &op.ggamma);
    op.beta = case_tensor(&c, "beta", (size_t)ch, &op.gbeta);
    op.mean = case_calloc(&c, (size_t)ch, sizeof(real));
    op.inv_std = case_calloc(&c, (size_t)ch, sizeof(real));
    /* a per-channel offset and scale, as real activations have */
    for (size_t r = 0; r < op.rows; r++)
        for (int j = 0; j < ch; j++)
            op.x[r * ch + j] = op.x[r * ch + j] * (real)(0.5 + j) + (real)(j - 1);
    finish_case(&c);
}

/* ---- activations ---- */

typedef struct act_op {
    activation_kind kind;
    size_t count;
    real *x, *gx;
} act_op;

static const char *act_name(activation_kind k)
{
    return k == ACT_RELU ? "relu" : k == ACT_SIGMOID ? "sigmoid" : "tanh";
}

static int act_fwd(gc_case *c)
{
    act_op *p = c->op;
    activation_forward(c->out, p->x, p->count, p->kind);
    return SENET_OK;
}

static int act_bwd(gc_case *c, const real *d_out)
{
    act_op *p = c->op;
    activation_backward(p->gx, d_out, c->out, p->count, p->kind);
    return SENET_OK;
}

static void check_activation(activation_kind kind, size_t count)
{
    act_op op = {.kind = kind, .count = count};
    gc_case c;
    case_init(&c, &op, count, act_fwd, act_bwd, "%s %zu", act_name(kind), count);
    op.x = case_tensor(&c, "x", count, &op.gx);
    fill_away_from_zero(op.x, count, (real)KINK_MARGIN);
    finish_case(&c);
}

/* ---- pooling ---- */

typedef struct pool_op {
    int n, h, w, c, k, stride, pad, ho, wo;
    real *x, *gx;
    int32_t *argmax;
} pool_op;

static int maxpool_fwd(gc_case *c)
{
    pool_op *p = c->op;
    maxpool_forward(c->out, p->argmax, p->x, p->n, p->h, p->w, p->c, p->k, p->stride, p->pad, p->ho, p->wo);
    return SENET_OK;
}

static int maxpool_bwd(gc_case *c, const real *d_out)
{
    pool_op *p = c->op;
    maxpool_backward(p->gx, d_out, p->argmax, p->n, p->h, p->w, p->c, p->ho, p->wo);
    return SENET_OK;
}

static void check_maxpool(int n, int h, int w, int ch, int k, int stride, int pad)
{
    pool_op op = {.n = n, .h = h, .w = w, .c = ch, .k = k, .stride = stride, .pad = pad};
    op.ho = maxpool_out_size(h, k, stride, pad, 1);
    op.wo = maxpool_out_size(w, k, stride, pad, 1);
    gc_case c;
    size_t out_count = (size_t)n * op.ho * op.wo * ch;
    case_init(&c, &op, out_count, maxpool_fwd, maxpool_bwd, "maxpool %dx%dx%dx%d k%d s%d p%d ceil -> %dx%d", n, h,
              w, ch, k, stride, pad, op.ho, op.wo);
    op.x = case_tensor(&c, "x", (size_t)n * h * w * ch, &op.gx);
    fill_distinct(op.x, (size_t)n * h * w * ch);
    op.argmax = case_calloc(&c, out_count, sizeof(int32_t));
    finish_case(&c);
}

static int gavg_fwd(gc_case *c)
{
    pool_op *p = c->op;
    global_avgpool_forward(c->out, p->x, p->n, p->h * p->w, p->c);
    return SENET_OK;
}

static int gavg_bwd(gc_case *c, const real *d_out)
{
    pool_op *p = c->op;
    global_avgpool_backward(p->gx, d_out, p->n, p->h * p->w, p->c);
    return SENET_OK;
}

static int gmax_fwd(gc_case *c)
{
    pool_op *p = c->op;
    global_maxpool_forward(c->out, p->argmax, p->x, p->n, p->h * p->w, p->c);
    return SENET_OK;
}

static int gmax_bwd(gc_case *c, const real *d_out)
{
    pool_op *p = c->op;
    global_maxpool_backward(p->gx, d_out, p->argmax, p->n, p->h * p->w, p->c);
    return SENET_OK;
}

static void check_global_pool(int is_max, int n, int h, int w, int ch)
{
    pool_op op = {.n = n, .h = h, .w = w, .c = ch};
    gc_case c;
    case_init(&c, &op, (size_t)n * ch, is_max ? gmax_fwd : gavg_fwd, is_max ? gmax_bwd : gavg_bwd,
              "global %s pool %dx%dx%dx%d", is_max ? "max" : "avg", n, h, w, ch);
    op.x = case_tensor(&c, "x", (size_t)n * h * w * ch, &op.gx);
    if (is_max)
        fill_distinct(op.x, (size_t)n * h * w * ch);
    op.argmax = case_calloc(&c, (size_t)n * ch, sizeof(int32_t));
    finish_case(&c);
}

/* ---- linear ---- */

typedef struct linear_op {
    int n, in, out;
    real *x, *w, *b, *gx, *gw, *gb;
} linear_op;

static int linear_fwd(gc_case *c)
{
    linear_op *p = c->op;
    linear_forward(c->out, p->x, p->w, p->b, p->n, p->in, p->out);
    return SENET_OK;
}

static int linear_bwd(gc_case *c, const real *d_out)
{
    linear_op *p = c->op;
    linear_backward(p->gx, p->gw, p->gb, d_out, p->x, p->w, p->n, p->in, p->out);
    return SENET_OK;
}

static void check_linear(int n, int in, int out, int bias)
{
    linear_op op = {.n = n, .in = in, .out = out};
    gc_case c;
    case_init(&c, &op, (size_t)n * out, linear_fwd, linear_bwd, "linear %dx%d->%d%s", n, in, out,
              bias ? " bias" : "");
    op.x = case_tensor(&c, "x", (size_t)n * in, &op.gx);
    op.w = case_tensor(&c, "weight", (size_t)out * in, &op.gw);
    if (bias)
        op.b = case_tensor(&c, "bias", (size_t)out, &op.gb);
    finish_case(&c);
}

/* ---- channel scale, add, dropout ---- */

typedef struct elem_op {
    int n, hw, c;
    size_t count;
    real *a, *b, *ga, *gb; /* channel scale: a = x, b = s */
    real p, *mask;
    uint64_t seed;
} elem_op;

static int scale_fwd(gc_case *c)
{
    elem_op *p = c->op;
    channel_scale_forward(c->out, p->a, p->b, p->n, p->hw, p->c);
    return SENET_OK;
}

static int scale_bwd(gc_case *c, const real *d_out)
{
    elem_op *p = c->op;
    channel_scale_backward(p->ga, p->gb, d_out, p->a, p->b, p->n, p->hw, p->c);
    return SENET_OK;
}

static void check_channel_scale(int n, int hw, int ch)
{
    elem_op op = {.n = n, .hw = hw, .c = ch};
    gc_case c;
    case_init(&c, &op, (size_t)n * hw * ch, scale_fwd, scale_bwd, "channel scale %dx%dx%d", n, hw, ch);
    op.a = case_tensor(&c, "x", (size_t)n * hw * ch, &op.ga);
    op.b = case_tensor(&c, "s", (size_t)n * ch, &op.gb);
    finish_case(&c);
}

static int add_fwd(gc_case *c)
{
    elem_op *p = c->op;
    add_forward(c->out, p->a, p->b, p->count);
    return SENET_OK;
}

static int add_bwd(gc_case *c, const real *d_out)
{
    elem_op *p = c->op;
    accumulate(p->ga, d_out, p->count);
    accumulate(p->gb, d_out, p->count);
    return SENET_OK;
}

static void check_add(size_t count)
{
    elem_op op = {.count = count};
    gc_case c;
    case_init(&c, &op, count, add_fwd, add_bwd, "add %zu", count);
    op.a = case_tensor(&c, "a", count, &op.ga);
    op.b = case_tensor(&c, "b", count, &op.gb);
    finish_case(&c);
}

/* The mask is drawn from a generator re-seeded on every forward: fixed across the finite differences. */
static int dropout_fwd(gc_case *c)
{
    elem_op *p = c->op;
    rng r;
    rng_seed(&r, p->seed);
    dropout_forward(c->out, p->mask, p->a, p->count, p->p, &r);
    return SENET_OK;
}

static int dropout_bwd(gc_case *c, const real *d_out)
{
    elem_op *p = c->op;
    dropout_backward(p->ga, d_out, p->mask, p->count);
    return SENET_OK;
}

static void check_dropout(size_t count, double prob, uint64_t seed)
{
    elem_op op = {.count = count, .p = (real)prob, .seed = seed};
    gc_case c;
    case_init(&c, &op, count, dropout_fwd, dropout_bwd, "dropout %zu p=%.2f seed %llu", count, prob,
              (unsigned long long)seed);
    op.a = case_tensor(&c, "x", count, &op.ga);
    op.mask = case_calloc(&c, count, sizeof(real));
    finish_case(&c);
}

/* ---- cross-entropy ---- */

typedef struct ce_op {
    int n, k;
    double smoothing;
    int64_t *labels;
    real *logits, *glogits, *scratch;
} ce_op;

static int ce_fwd(gc_case *c)
{
    ce_op *p = c->op;
    c->out[0] = (real)cross_entropy_forward_backward(NULL, p->logits, p->labels, p->n, p->k, p->smoothing);
    return SENET_OK;
}

/* The op overwrites d_logits with dLoss/dlogits; the upstream gradient scales it. */
static int ce_bwd(gc_case *c, const real *d_out)
{
    ce_op *p = c->op;
    cross_entropy_forward_backward(p->scratch, p->logits, p->labels, p->n, p->k, p->smoothing);
    for (size_t i = 0; i < (size_t)p->n * p->k; i++)
        p->glogits[i] += d_out[0] * p->scratch[i];
    return SENET_OK;
}

static void check_cross_entropy(int n, int k, double smoothing)
{
    ce_op op = {.n = n, .k = k, .smoothing = smoothing};
    gc_case c;
    case_init(&c, &op, 1, ce_fwd, ce_bwd, "cross-entropy %dx%d smoothing %.1f", n, k, smoothing);
    op.logits = case_tensor(&c, "logits", (size_t)n * k, &op.glogits);
    fill_normal(op.logits, (size_t)n * k, 2);
    op.labels = case_calloc(&c, (size_t)n, sizeof(int64_t));
    for (int i = 0; i < n; i++)
        op.labels[i] = (int64_t)(rng_uniform(&g_rng) * k);
    op.scratch = case_calloc(&c, (size_t)n * k, sizeof(real));
    finish_case(&c);
}

/* ---- squeeze-and-excitation ---- */

typedef struct se_op {
    se_shape s;
    se_weights w;
    se_grads g;
    se_saved saved;
    real *x, *gx;
} se_op;

static int se_fwd(gc_case *c)
{
    se_op *p = c->op;
    se_forward(c->out, &p->saved, p->x, &p->w, &p->s);
    return SENET_OK;
}

static int se_bwd(gc_case *c, const real *d_out)
{
    se_op *p = c->op;
    return se_backward(p->gx, &p->g, d_out, p->x, &p->saved, &p->w, &p->s);
}

/* True when every value of v (count) is at least KINK_MARGIN from 0 and both signs occur. */
static int clear_of_kink(const double *v, size_t count)
{
    int pos = 0, neg = 0;
    for (size_t i = 0; i < count; i++) {
        if (fabs(v[i]) < KINK_MARGIN)
            return 0;
        pos |= v[i] > 0;
        neg |= v[i] < 0;
    }
    return pos && neg;
}

/* The pre-activations of the hidden ReLU and (for a ReLU gate) of the gate,
 * recomputed here from the squeezed z, must stay clear of 0 under a step h. */
static int se_inputs_usable(se_op *p, gc_case *c)
{
    const se_shape *s = &p->s;
    se_fwd(c);
    size_t nh = (size_t)s->n * s->hidden, nc = (size_t)s->n * s->c;
    double *pre1 = malloc(nh * sizeof(double)), *pre2 = malloc(nc * sizeof(double));
    if (!pre1 || !pre2) {
        fprintf(stderr, "gradcheck: out of memory\n");
        exit(2);
    }
    for (int b = 0; b < s->n; b++)
        for (int j = 0; j < s->hidden; j++) {
            double v = p->w.b1 ? p->w.b1[j] : 0;
            for (int ch = 0; ch < s->c; ch++)
                v += p->w.w1[(size_t)j * s->c + ch] * p->saved.z[(size_t)b * s->c + ch];
            pre1[(size_t)b * s->hidden + j] = v;
        }
    for (int b = 0; b < s->n; b++)
        for (int ch = 0; ch < s->c; ch++) {
            double v = p->w.b2 ? p->w.b2[ch] : 0;
            for (int j = 0; j < s->hidden; j++) {
                double hv = pre1[(size_t)b * s->hidden + j];
                v += p->w.w2[(size_t)ch * s->hidden + j] * (hv > 0 ? hv : 0);
            }
            pre2[(size_t)b * s->c + ch] = v;
        }
    int ok = clear_of_kink(pre1, nh) && (s->gate != ACT_RELU || clear_of_kink(pre2, nc));
    free(pre1);
    free(pre2);
    return ok;
}

static void check_se(int n, int h, int w, int ch, int hidden, se_squeeze_kind squeeze, activation_kind gate, int bias)
{
    se_op op = {.s = {.n = n, .hw = h * w, .c = ch, .hidden = hidden, .squeeze = squeeze, .gate = gate}};
    gc_case c;
    size_t count = (size_t)n * h * w * ch;
    case_init(&c, &op, count, se_fwd, se_bwd, "se %dx%dx%dx%d hidden %d squeeze %s gate %s%s", n, h, w, ch, hidden,
              squeeze == SE_SQUEEZE_MAX ? "max" : "avg", act_name(gate), bias ? " bias" : "");
    op.x = case_tensor(&c, "x", count, &op.gx);
    real *w1 = case_tensor(&c, "w1", (size_t)hidden * ch, &op.g.w1);
    real *b1 = bias ? case_tensor(&c, "b1", (size_t)hidden, &op.g.b1) : NULL;
    real *w2 = case_tensor(&c, "w2", (size_t)ch * hidden, &op.g.w2);
    real *b2 = bias ? case_tensor(&c, "b2", (size_t)ch, &op.g.b2) : NULL;
    op.w = (se_weights){w1, b1, w2, b2};
    op.saved.z = case_calloc(&c, (size_t)n * ch, sizeof(real));
    op.saved.h = case_calloc(&c, (size_t)n * hidden, sizeof(real));
    op.saved.s = case_calloc(&c, (size_t)n * ch, sizeof(real));
    op.saved.argmax = case_calloc(&c, (size_t)n * ch, sizeof(int32_t));
    int attempts = 0;
    do {
        if (++attempts > 1000) {
            fprintf(stderr, "gradcheck: no kink-free draw for %s\n", c.name);
            exit(2);
        }
        /* x around 0.5 so that an average squeeze is not close to 0 everywhere */
        if (squeeze == SE_SQUEEZE_MAX)
            fill_distinct(op.x, count);
        else
            for (size_t i = 0; i < count; i++)
                op.x[i] = (real)0.5 + normal();
        fill_normal(w1, (size_t)hidden * ch, 1);
        fill_normal(w2, (size_t)ch * hidden, 1);
        if (b1)
            fill_normal(b1, (size_t)hidden, (real)0.5);
        if (b2)
            fill_normal(b2, (size_t)ch, (real)0.5);
    } while (!se_inputs_usable(&op, &c));
    finish_case(&c);
}

int main(void)
{
    rng_seed(&g_rng, 20240611);
    printf("gradcheck: double precision, h = %.0e, tolerance %.0e on |a-n| / max(|a|+|n|, %.0e * max|a| of the "
           "tensor), gemm %s\n", STEP, TOLERANCE, DENOM_FLOOR, isa_name());

    /*          n  h   w   cin cout kh kw s  p  g  bias d_in */
    check_conv(1, 5, 7, 6, 4, 1, 1, 1, 0, 1, 1, 1);   /* pointwise: no im2col */
    check_conv(2, 5, 3, 4, 6, 1, 1, 1, 0, 2, 0, 1);   /* pointwise, grouped */
    check_conv(2, 7, 5, 4, 6, 1, 1, 2, 0, 1, 0, 1);   /* strided 1x1: the downsampling shortcut */
    check_conv(2, 5, 7, 3, 5, 3, 3, 1, 1, 1, 1, 1);
    check_conv(1, 9, 7, 4, 6, 3, 3, 2, 1, 2, 0, 1);
    check_conv(1, 7, 5, 8, 8, 3, 3, 1, 1, 4, 1, 1);
    check_conv(1, 7, 7, 8, 4, 3, 3, 2, 0, 4, 1, 1);
    check_conv(2, 9, 7, 8, 8, 3, 3, 1, 1, 1, 0, 1);   /* large enough for the packed GEMM */
    check_conv(1, 5, 7, 3, 4, 3, 3, 1, 0, 1, 1, 1);   /* no padding */
    check_conv(1, 7, 5, 6, 6, 3, 3, 1, 1, 6, 1, 1);   /* depthwise */
    check_conv(1, 9, 9, 5, 10, 3, 3, 2, 1, 5, 0, 1);  /* depthwise with channel multiplier 2 */
    check_conv(1, 11, 9, 3, 4, 7, 7, 2, 3, 1, 1, 1);  /* the 7x7 stem */
    check_conv(1, 9, 8, 4, 4, 7, 7, 1, 3, 2, 0, 1);
    check_conv(1, 7, 9, 4, 6, 1, 3, 1, 1, 2, 1, 1);   /* non-square kernel */
    check_conv(1, 9, 7, 3, 4, 3, 3, 2, 1, 1, 1, 0);   /* first layer: no input gradient */
    check_conv(1, 5, 5, 6, 4, 1, 1, 1, 0, 1, 1, 0);
    /* (16 and 32 output channels take the direct kernel instead) */
    check_winograd_conv(1, 6, 6, 24, 24, 1, 1); /* Winograd forward and data gradient */
    check_winograd_conv(2, 5, 7, 16, 24, 1, 0); /* odd map: partial tiles */
    check_winograd_conv(1, 7, 6, 24, 48, 0, 1); /* no padding */

    check_batchnorm(2, 3, 5, 4);
    check_batchnorm(1, 7, 5, 3);
    check_batchnorm(5, 1, 1, 6);

    check_activation(ACT_RELU, 3 * 5 * 7 * 2);
    check_activation(ACT_SIGMOID, 3 * 5 * 7 * 2);
    check_activation(ACT_TANH, 3 * 5 * 7 * 2);

    check_maxpool(2, 7, 7, 3, 3, 2, 0);
    check_maxpool(1, 8, 8, 3, 3, 2, 0);
    check_maxpool(1, 9, 8, 2, 3, 2, 0);
    check_maxpool(1, 7, 8, 3, 3, 2, 1);
    check_maxpool(1, 5, 6, 2, 2, 2, 0);

    check_global_pool(0, 2, 5, 3, 5);
    check_global_pool(0, 3, 1, 1, 4);
    check_global_pool(1, 2, 5, 3, 5);
    check_global_pool(1, 3, 7, 7, 4);

    check_linear(3, 7, 5, 1);
    check_linear(3, 7, 5, 0);
    check_linear(4, 70, 33, 1); /* packed GEMM */

    check_channel_scale(2, 15, 5);
    check_channel_scale(1, 1, 7);
    check_add(105);
    check_dropout(60, 0.3, 7);
    check_dropout(45, 0.5, 11);

    check_cross_entropy(3, 5, 0.0);
    check_cross_entropy(3, 5, 0.1);
    check_cross_entropy(4, 10, 0.1);

    for (int squeeze = 0; squeeze < 2; squeeze++)
        for (int gate = 0; gate < 3; gate++)
            for (int bias = 1; bias >= 0; bias--) {
                activation_kind g = gate == 0 ? ACT_SIGMOID : gate == 1 ? ACT_TANH : ACT_RELU;
                check_se(2, 5, 3, 8, 3, squeeze ? SE_SQUEEZE_MAX : SE_SQUEEZE_AVG, g, bias);
            }
    check_se(1, 7, 7, 16, 4, SE_SQUEEZE_AVG, ACT_SIGMOID, 1);

    printf("%d passed, %d failed\n", g_passed, g_failed);
    return g_failed ? 1 : 0;
}
