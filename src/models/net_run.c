/* Readying a built network for a batch: the activations' shapes, their
 * buffers from the memory plans, and each step's scratch (the steps run
 * in plan_run.c). */
#include "net.h"

#include "../base/alloc.h"
#include "../base/status.h"
#include "../ops/activation.h"
#include "../ops/batchnorm.h"
#include "../ops/conv2d.h"
#include "../ops/dropout.h"
#include "../ops/elementwise.h"
#include "../ops/linear.h"
#include "../ops/pool.h"

#include <stdlib.h>
#include <string.h>

#define MIN_SIDE 32
#define MAX_SIDE 16384

float *net_tensor_f32(senet_net *net, int entry)
{
    const param_entry *e = &net->entries[entry];
    return (e->store == STORE_PARAM ? net->params : net->buffers) + e->offset;
}

int64_t *net_tensor_i64(senet_net *net, int entry) { return net->counters + net->entries[entry].offset; }


conv2d_shape net_conv_shape(const layer *l, int n, int h, int w)
{
    conv2d_shape s = {n, h, w, l->c_in, l->c_out, l->kernel, l->kernel, l->stride, l->pad, l->groups, 0, 0};
    return s;
}

int net_propagate_shapes(const senet_net *net, int h, int w, int *hs, int *ws)
{
    if (h < MIN_SIDE || w < MIN_SIDE || h > MAX_SIDE || w > MAX_SIDE)
        return senet_fail(SENET_ERR_ARGUMENT, "input size %dx%d is out of range: %s takes %d to %d pixels a side", h, w,
                          net->cfg.arch, MIN_SIDE, MAX_SIDE);
    hs[net->input_act] = h;
    ws[net->input_act] = w;
    for (int i = 0; i < net->num_layers; i++) {
        const layer *l = &net->layers[i];
        int ih = hs[l->in], iw = ws[l->in], oh = ih, ow = iw;
        if (l->kind == LAYER_CONV) {
            conv2d_shape s = net_conv_shape(l, 1, ih, iw);
            if (conv2d_shape_finish(&s) != SENET_OK)
                return senet_fail(SENET_ERR_SHAPE, "input %dx%d is too small for %s (needs at least 32x32)", h, w,
                                  net->cfg.arch);
            oh = s.h_out, ow = s.w_out;
        } else if (l->kind == LAYER_MAXPOOL) {
            oh = maxpool_out_size(ih, l->kernel, l->stride, 0, 1);
            ow = maxpool_out_size(iw, l->kernel, l->stride, 0, 1);
            if (oh < 1 || ow < 1)
                return senet_fail(SENET_ERR_SHAPE, "input %dx%d is too small for %s (needs at least 32x32)", h, w,
                                  net->cfg.arch);
        } else if (l->kind == LAYER_AVGPOOL) {
            oh = ow = 1;
        } else if (l->kind == LAYER_ADD && (hs[l->in2] != ih || ws[l->in2] != iw)) {
            return senet_fail(SENET_ERR_SHAPE, "input %dx%d gives mismatched residual shapes in %s", h, w,
                              net->cfg.arch);
        }
        hs[l->out] = oh;
        ws[l->out] = ow;
    }
    return SENET_OK;
}

void net_release_run(senet_net *net)
{
    for (int i = 0; i < net->num_acts; i++)
        net->acts[i].data = net->acts[i].grad = NULL;
    for (int b = 0; b < net->pool_count; b++)
        aligned_free(net->pool[b]);
    for (int b = 0; b < net->grad_pool_count; b++)
        aligned_free(net->grad_pool[b]);
    free(net->pool);
    free(net->grad_pool);
    net->pool = net->grad_pool = NULL;
    net->pool_count = net->grad_pool_count = 0;
    plan_release_scratch(&net->eval_plan);
    plan_release_scratch(&net->train_plan);
    net->run_n = net->run_capacity = 0;
}

/* count elements of `size` bytes, or NULL; *failed set on failure. */
static void *alloc_elems(size_t count, size_t size, int *failed)
{
    void *p = aligned_calloc_checked(count, size);
    if (!p)
        *failed = 1;
    return p;
}

/* Elements of every activation for an (n, h, w) input (counts: num_acts);
 * sets each activation's h and w. *overflow set when a size does not fit. */
static int activation_counts(senet_net *net, int n, int h, int w, size_t *counts, int *overflow)
{
    int *hs = calloc((size_t)net->num_acts * 2, sizeof(int));
    if (!hs)
        return senet_fail(SENET_ERR_NOMEM, "out of memory");
    int *ws = hs + net->num_acts;
    int status = net_propagate_shapes(net, h, w, hs, ws);
    for (int i = 0; i < net->num_acts && status == SENET_OK && !*overflow; i++) {
        activation *a = &net->acts[i];
        a->h = hs[i], a->w = ws[i];
        counts[i] = size_mul(size_mul(size_mul((size_t)n, (size_t)a->h, overflow), (size_t)a->w, overflow),
                             (size_t)a->c, overflow);
    }
    free(hs);
    return status;
}

/* Eval mode runs a large batch a few images per pass: each image's logits
 * are computed alone either way, the activations take a fraction of the
 * memory, and the speed stays (se_resnet50 on 2 threads: 22.9 img/s at
 * batch 32 in one pass, 22.8 at 8, 23.3 at 4). */
#define PASS_ACTIVATION_BYTES ((size_t)64 << 20)

int net_images_per_pass(senet_net *net, int n, int h, int w)
{
    if (n <= 1)
        return n;
    size_t *counts = calloc((size_t)net->num_acts, sizeof(size_t)), per_image = 0;
    int overflow = 0;
    int status = counts ? activation_counts(net, 1, h, w, counts, &overflow) : SENET_ERR_NOMEM;
    if (status == SENET_OK && !overflow)
        status = net_plan_activation_memory(net, counts, 0, &per_image);
    free(counts);
    if (status != SENET_OK || overflow || per_image == 0)
        return n; /* net_prepare reports the problem */
    size_t most = PASS_ACTIVATION_BYTES / (per_image * sizeof(real));
    if (most < 1)
        most = 1;
    if ((size_t)n <= most)
        return n;
    int passes = (int)(((size_t)n + most - 1) / most);
    return (n + passes - 1) / passes;
}

/* The scratch of every step of the mode's plan for a batch of n. */
static void alloc_scratch(senet_net *net, int n, int training, int *failed)
{
    plan *p = net_plan(net, training);
    for (int i = 0; i < p->num_steps; i++) {
        step *s = &p->steps[i];
        step_scratch *t = &s->scratch;
        const layer *l = s->op;
        size_t nc = (size_t)n * l->c_in;
        switch (s->kind) {
        case STEP_BN:
        case STEP_BN_RELU: /* the batch statistics, for backward */
            if (!training)
                break;
            t->bn_mean = alloc_elems((size_t)l->c_in, sizeof(real), failed);
            t->bn_inv_std = alloc_elems((size_t)l->c_in, sizeof(real), failed);
            break;
        case STEP_MAXPOOL: /* arg-max for backward only */
            if (training) {
                const activation *out = &net->acts[s->out];
                t->pool_argmax = alloc_elems((size_t)n * out->h * out->w * out->c, sizeof(int32_t), failed);
            }
            break;
        case STEP_SE:
        case STEP_SE_SCALE_ADD:
        case STEP_SE_SCALE_ADD_RELU:
            t->se.z = alloc_elems(nc, sizeof(real), failed);
            t->se.h = alloc_elems((size_t)n * l->hidden, sizeof(real), failed);
            t->se.s = alloc_elems(nc, sizeof(real), failed);
            t->se.argmax = alloc_elems(nc, sizeof(int32_t), failed);
            break;
        case STEP_DROPOUT:
            if (training)
                t->dropout_mask = alloc_elems(nc, sizeof(real), failed);
            break;
        default:
            break;
        }
    }
}

int net_prepare(senet_net *net, int n, int h, int w, int training)
{
    /* The two modes share buffers differently (net_memory.c): a change of mode re-plans.
     * Eval mode runs fewer images in buffers sized for more. */
    if (net->run_h == h && net->run_w == w && net->run_training == training &&
        (net->run_n == n || (!training && n >= 1 && n <= net->run_capacity))) {
        net->run_n = n;
        return SENET_OK;
    }
    if (n < 1 || n > (1 << 20))
        return senet_fail(SENET_ERR_ARGUMENT, "batch size %d is out of range (1..%d)", n, 1 << 20);
    net_release_run(net);
    int failed = 0, overflow = 0;
    size_t total = 0;
    size_t *counts = calloc((size_t)net->num_acts, sizeof(size_t));
    int status = counts ? activation_counts(net, n, h, w, counts, &overflow) : SENET_OK;
    if (!counts)
        failed = 1;
    for (int i = 0; i < net->num_acts && status == SENET_OK && !failed && !overflow; i++)
        total += counts[i] * (training ? 2 : 1);
    if (status == SENET_OK && !failed && !overflow) {
        net->run_n = n;
        status = net_check_memory(net, counts, n, h, w, training);
        if (status == SENET_OK)
            status = net_plan_activation_memory(net, counts, training, NULL);
        if (status == SENET_OK && training)
            status = net_plan_gradient_memory(net, counts, NULL);
    }
    free(counts);
    if (status == SENET_OK && !failed && !overflow)
        alloc_scratch(net, n, training, &failed);
    if (status == SENET_OK && (failed || overflow)) {
        status = senet_fail(SENET_ERR_NOMEM, "cannot allocate the activations of %s for a batch of %d at %dx%d%s",
                            net->cfg.arch, n, h, w, total ? "" : " (size overflow)");
    }
    if (status != SENET_OK) {
        net_release_run(net);
        return status;
    }
    net->run_n = net->run_capacity = n, net->run_h = h, net->run_w = w, net->run_training = training;
    return SENET_OK;
}
