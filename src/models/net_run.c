/* Running a built network: sizing the activations for a batch, the forward
 * walk over the layer list and the backward walk in reverse. */
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

static float *grad_of(senet_net *net, int entry) { return entry < 0 ? NULL : net->grads + net->entries[entry].offset; }
static const float *param_of(senet_net *net, int entry) { return entry < 0 ? NULL : net_tensor_f32(net, entry); }

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
    for (int i = 0; i < net->num_layers; i++) {
        layer *l = &net->layers[i];
        aligned_free(l->saved_a);
        aligned_free(l->saved_b);
        aligned_free(l->saved_c);
        aligned_free(l->saved_idx);
        l->saved_a = l->saved_b = l->saved_c = NULL;
        l->saved_idx = NULL;
    }
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
    for (int i = 0; i < net->num_layers && status == SENET_OK && !failed && !overflow; i++) {
        layer *l = &net->layers[i];
        const activation *out = &net->acts[l->out];
        size_t nc = (size_t)n * l->c_in;
        switch (l->kind) {
        case LAYER_BN:
            l->saved_a = alloc_elems((size_t)l->c_in, sizeof(real), &failed);
            l->saved_b = alloc_elems((size_t)l->c_in, sizeof(real), &failed);
            break;
        case LAYER_MAXPOOL: /* arg-max for backward only */
            if (training)
                l->saved_idx = alloc_elems((size_t)n * out->h * out->w * out->c, sizeof(int32_t), &failed);
            break;
        case LAYER_SE:
            l->saved_a = alloc_elems(nc, sizeof(real), &failed);
            l->saved_b = alloc_elems((size_t)n * l->hidden, sizeof(real), &failed);
            l->saved_c = alloc_elems(nc, sizeof(real), &failed);
            l->saved_idx = alloc_elems(nc, sizeof(int32_t), &failed);
            break;
        case LAYER_DROPOUT:
            l->saved_a = alloc_elems(nc, sizeof(real), &failed);
            break;
        default:
            break;
        }
    }
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

static se_weights se_weights_of(senet_net *net, const layer *l)
{
    se_weights w = {param_of(net, l->p[0]), param_of(net, l->p[1]), param_of(net, l->p[2]), param_of(net, l->p[3])};
    return w;
}

static se_shape se_shape_of(const senet_net *net, const layer *l)
{
    const activation *in = &net->acts[l->in];
    se_shape s = {net->run_n, in->h * in->w, l->c_in, l->hidden, l->squeeze, l->gate};
    return s;
}

/* An SE block switched off (senet_net_set_se_off) in eval mode: the gate
 * is 1, so the block passes its input on, into the residual add (and ReLU)
 * when those are fused with it; its gates read 1 for excitation capture. */
static void se_forward_identity(senet_net *net, const layer *l, int i, int fused)
{
    const activation *in = &net->acts[l->in];
    size_t nc = (size_t)net->run_n * l->c_in, count = nc * in->h * in->w;
    for (size_t j = 0; j < nc; j++)
        l->saved_c[j] = 1;
    if (!fused) {
        memcpy(net->acts[l->out].data, in->data, count * sizeof(real));
        return;
    }
    const layer *add = &net->layers[i + 1];
    const real *residual = net->acts[add->in == l->out ? add->in2 : add->in].data;
    scale_add_forward(net->acts[net->layers[i + fused].out].data, in->data, NULL, residual, net->run_n,
                      in->h * in->w, in->c, fused == 2);
}

int net_forward(senet_net *net, int training)
{
    int n = net->run_n;
    if (training) {
        TRY(net_check_not_frozen(net, "training"));
        net_infer_invalidate(net); /* BN running statistics move */
    } else {
        TRY(net_infer_prepare(net));
    }
    for (int i = 0; i < net->num_layers; i++) {
        layer *l = &net->layers[i];
        activation *in = &net->acts[l->in], *out = &net->acts[l->out];
        size_t rows = (size_t)n * in->h * in->w, count = rows * in->c;
        int first = i;
        double started = net_profile_clock(net);
        switch (l->kind) {
        case LAYER_CONV: {
            conv2d_shape s = net_conv_shape(l, n, in->h, in->w);
            TRY(conv2d_shape_finish(&s));
            if (training || !l->packed) {
                TRY(conv2d_forward(out->data, in->data, param_of(net, l->p[0]), NULL, &s));
                break;
            }
            /* the inference plan: this conv also does the BN (and ReLU) after it */
            activation *last = &net->acts[net->layers[i + l->fused].out];
            TRY(conv2d_forward_packed(last->data, in->data, l->packed, l->folded_bias, l->fused == 2, &s));
            i += l->fused;
            break;
        }
        case LAYER_BN:
            if (training && net_stage_frozen(net, l->stage)) {
                /* fine-tuning: a frozen BN normalises with its running statistics and leaves them */
                int relu = net_train_fused(net, i);
                real *y = relu ? net->acts[net->layers[i + 1].out].data : out->data;
                batchnorm_forward_eval(y, in->data, param_of(net, l->p[0]), param_of(net, l->p[1]),
                                       param_of(net, l->p[2]), param_of(net, l->p[3]), rows, in->c);
                if (relu)
                    activation_forward(y, y, count, ACT_RELU);
                i += relu;
            } else if (training) {
                int relu = net_train_fused(net, i);
                real *y = relu ? net->acts[net->layers[i + 1].out].data : out->data;
                batchnorm_forward_train(y, l->saved_a, l->saved_b, in->data, param_of(net, l->p[0]),
                                        param_of(net, l->p[1]), net_tensor_f32(net, l->p[2]),
                                        net_tensor_f32(net, l->p[3]), rows, in->c, relu, net_bn_sync(net));
                (*net_tensor_i64(net, l->p[4]))++;
                i += relu;
            } else {
                batchnorm_forward_eval(out->data, in->data, param_of(net, l->p[0]), param_of(net, l->p[1]),
                                       param_of(net, l->p[2]), param_of(net, l->p[3]), rows, in->c);
            }
            break;
        case LAYER_RELU:
            activation_forward(out->data, in->data, count, ACT_RELU);
            break;
        case LAYER_MAXPOOL:
            maxpool_forward(out->data, l->saved_idx, in->data, n, in->h, in->w, in->c, l->kernel, l->stride, 0,
                            out->h, out->w);
            break;
        case LAYER_SE: {
            se_weights w = se_weights_of(net, l);
            se_shape s = se_shape_of(net, l);
            se_saved saved = {l->saved_a, l->saved_b, l->saved_c, l->saved_idx};
            int fused = training ? net_train_fused(net, i) : l->fused;
            if (!training && net_se_is_off(net, l)) {
                se_forward_identity(net, l, i, fused);
                i += fused;
                break;
            }
            if (!fused) {
                se_forward(out->data, &saved, in->data, &w, &s);
                break;
            }
            /* the scale happens inside the residual add (and ReLU) after it */
            const layer *add = &net->layers[i + 1];
            const real *residual = net->acts[add->in == l->out ? add->in2 : add->in].data;
            se_excite(&saved, in->data, &w, &s);
            scale_add_forward(net->acts[net->layers[i + fused].out].data, in->data, saved.s, residual, n,
                              in->h * in->w, in->c, fused == 2);
            i += fused;
            break;
        }
        case LAYER_ADD:
            if (training ? net_train_fused(net, i) : l->fused) { /* add and ReLU in one pass */
                scale_add_forward(net->acts[net->layers[i + 1].out].data, in->data, NULL, net->acts[l->in2].data, n,
                                  in->h * in->w, in->c, 1);
                i += 1;
                break;
            }
            add_forward(out->data, in->data, net->acts[l->in2].data, count);
            break;
        case LAYER_AVGPOOL:
            global_avgpool_forward(out->data, in->data, n, in->h * in->w, in->c);
            break;
        case LAYER_DROPOUT:
            if (training)
                dropout_forward(out->data, l->saved_a, in->data, count, l->drop_p, &net->dropout_rng);
            else
                memcpy(out->data, in->data, count * sizeof(real));
            break;
        case LAYER_LINEAR:
            linear_forward(out->data, in->data, param_of(net, l->p[0]), param_of(net, l->p[1]), n, l->c_in, l->c_out);
            break;
        }
        net_profile_add(net, first, 0, i - first, started);
    }
    return SENET_OK;
}

int net_backward(senet_net *net)
{
    int n = net->run_n;
    /* frozen stages (fine-tuning) come first and need no gradients: backward ends where training starts */
    for (int i = net->num_layers - 1; i >= net->train_first; i--) {
        layer *l = &net->layers[i];
        activation *in = &net->acts[l->in], *out = &net->acts[l->out];
        size_t rows = (size_t)n * in->h * in->w, count = rows * in->c;
        if (l->train_start != i)
            continue; /* inside a fused group: the group's first layer does its backward */
        int span = net_train_fused(net, i);
        real *d_in = l->in == net->input_act || l->in == net->frozen_boundary ? NULL : in->grad;
        if (!d_in && (l->kind == LAYER_AVGPOOL || l->kind == LAYER_MAXPOOL || l->kind == LAYER_RELU ||
                      l->kind == LAYER_DROPOUT))
            continue; /* no parameters and no gradient wanted for the input: nothing to do */
        double started = net_profile_clock(net);
        /* Gradients accumulate; one that starts life in this group starts at
         * zero (its buffer is shared with gradients that are spent). */
        for (int j = i; j <= i + span; j++) {
            const layer *m = &net->layers[j];
            int reads[2] = {m->in, m->kind == LAYER_ADD ? m->in2 : -1};
            for (int r = 0; r < 2; r++)
                if (reads[r] >= 0 && reads[r] != net->input_act && net->acts[reads[r]].grad_start == j) {
                    const activation *a = &net->acts[reads[r]];
                    memset(a->grad, 0, (size_t)n * a->h * a->w * a->c * sizeof(real));
                }
        }
        switch (l->kind) {
        case LAYER_CONV: {
            conv2d_shape s = net_conv_shape(l, n, in->h, in->w);
            TRY(conv2d_shape_finish(&s));
            TRY(conv2d_backward(d_in, grad_of(net, l->p[0]), NULL, out->grad, in->data, param_of(net, l->p[0]), &s));
            break;
        }
        case LAYER_BN: {
            /* fused with its ReLU: the ReLU's output gradient, where its output is positive */
            const activation *relu = net_train_fused(net, i) ? &net->acts[net->layers[i + 1].out] : NULL;
            batchnorm_backward(d_in, grad_of(net, l->p[0]), grad_of(net, l->p[1]), relu ? relu->grad : out->grad,
                               relu ? relu->data : NULL, in->data, l->saved_a, l->saved_b, param_of(net, l->p[0]),
                               rows, in->c, net_bn_sync(net));
            break;
        }
        case LAYER_RELU:
            activation_backward(d_in, out->grad, out->data, count, ACT_RELU);
            break;
        case LAYER_MAXPOOL:
            maxpool_backward(d_in, out->grad, l->saved_idx, n, in->h, in->w, in->c, out->h, out->w);
            break;
        case LAYER_SE: {
            se_weights w = se_weights_of(net, l);
            se_shape s = se_shape_of(net, l);
            se_saved saved = {l->saved_a, l->saved_b, l->saved_c, l->saved_idx};
            se_grads g = {grad_of(net, l->p[0]), grad_of(net, l->p[1]), grad_of(net, l->p[2]), grad_of(net, l->p[3])};
            if (!span) {
                TRY(se_backward(d_in, &g, out->grad, in->data, &saved, &w, &s));
                break;
            }
            /* with the residual add (and ReLU) after it, from the group's output gradient */
            const layer *add = &net->layers[i + 1];
            const activation *last = &net->acts[net->layers[i + span].out];
            int residual = add->in == l->out ? add->in2 : add->in;
            TRY(se_add_backward(d_in, net->acts[residual].grad, &g, last->grad, span == 2 ? last->data : NULL,
                                in->data, &saved, &w, &s));
            break;
        }
        case LAYER_ADD:
            if (span) { /* with its ReLU */
                const activation *relu = &net->acts[net->layers[i + 1].out];
                scale_add_backward(in->grad, net->acts[l->in2].grad, NULL, relu->grad, relu->data, NULL, NULL, n,
                                   in->h * in->w, in->c);
                break;
            }
            accumulate(in->grad, out->grad, count);
            accumulate(net->acts[l->in2].grad, out->grad, count);
            break;
        case LAYER_AVGPOOL:
            global_avgpool_backward(d_in, out->grad, n, in->h * in->w, in->c);
            break;
        case LAYER_DROPOUT:
            dropout_backward(d_in, out->grad, l->saved_a, count);
            break;
        case LAYER_LINEAR:
            linear_backward(d_in, grad_of(net, l->p[0]), grad_of(net, l->p[1]), out->grad, in->data,
                            param_of(net, l->p[0]), n, l->c_in, l->c_out);
            break;
        }
        net_profile_add(net, i, 1, 0, started);
    }
    return SENET_OK;
}
