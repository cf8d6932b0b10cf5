/* The inference plan. In eval mode a convolution followed by its batch norm
 * (and the ReLU after that) is one product: the BN scale is folded into the
 * weights, its shift becomes a bias, and bias and ReLU are applied as the
 * GEMM stores its tiles, so neither BN nor ReLU makes a pass over memory.
 * The weights are permuted and packed once here instead of on every call.
 * Likewise an SE block's scale, the residual add and the ReLU after it are
 * one pass (net_forward does those; net_memory.c gives skipped outputs no
 * buffer). */
#include "net.h"

#include "../base/alloc.h"
#include "../base/scratch.h"
#include "../base/status.h"
#include "../ops/batchnorm.h"
#include "../ops/conv2d.h"

#include <stdlib.h>

/* How many layers read activation `act`. */
static int consumers(const senet_net *net, int act)
{
    int count = act == net->logits_act;
    for (int i = 0; i < net->num_layers; i++) {
        const layer *l = &net->layers[i];
        count += (l->in == act) + (l->kind == LAYER_ADD && l->in2 == act);
    }
    return count;
}

/* Layer i+1 is `kind`, reads only layer i's output, and nothing else does. */
static int absorbs_next(const senet_net *net, int i, layer_kind kind)
{
    if (i + 1 >= net->num_layers)
        return 0;
    const layer *l = &net->layers[i], *next = &net->layers[i + 1];
    return next->kind == kind && next->in == l->out && consumers(net, l->out) == 1;
}

int net_infer_fused(const senet_net *net, int i)
{
    switch (net->layers[i].kind) {
    case LAYER_CONV: /* conv, BN (, ReLU): folded weights, bias and ReLU in the GEMM's stores */
        return absorbs_next(net, i, LAYER_BN) ? 1 + absorbs_next(net, i + 1, LAYER_RELU) : 0;
    case LAYER_SE: /* SE, residual add (, ReLU): the scale applied inside the add */
        return absorbs_next(net, i, LAYER_ADD) ? 1 + absorbs_next(net, i + 1, LAYER_RELU) : 0;
    case LAYER_ADD: /* add, ReLU */
        return absorbs_next(net, i, LAYER_RELU);
    default:
        return 0;
    }
}

void net_mark_train_fused(senet_net *net)
{
    for (int i = 0; i < net->num_layers; i++) {
        layer *l = &net->layers[i];
        /* as in inference, apart from the convolution: training's BN needs the batch statistics */
        int span = l->kind == LAYER_CONV ? 0 : l->kind == LAYER_BN ? absorbs_next(net, i, LAYER_RELU)
                                                                   : net_infer_fused(net, i);
        /* the fused backward writes two input gradients, which must differ */
        if (span && l->kind == LAYER_ADD && l->in == l->in2)
            span = 0;
        if (span && l->kind == LAYER_SE) {
            const layer *add = &net->layers[i + 1];
            if ((add->in == l->out ? add->in2 : add->in) == l->in)
                span = 0;
        }
        l->train_fused = span;
        for (int j = i; j <= i + span; j++)
            net->layers[j].train_start = i;
        for (int j = i + 1; j <= i + span; j++)
            net->layers[j].train_fused = 0;
        i += span;
    }
}

int net_train_fused(const senet_net *net, int i) { return net->layers[i].train_fused; }

/* The packed weights and folded bias of conv layer i, kept from an earlier plan or allocated. */
static int alloc_plan_conv(senet_net *net, int i)
{
    layer *l = &net->layers[i];
    conv2d_shape s = net_conv_shape(l, 1, 1, 1);
    if (!l->packed)
        l->packed = aligned_alloc_checked(conv2d_packed_size(&s) * sizeof(real));
    if (!l->folded_bias)
        l->folded_bias = aligned_alloc_checked((size_t)l->c_out * sizeof(real));
    if (!l->packed || !l->folded_bias)
        return senet_fail(SENET_ERR_NOMEM, "no memory for the packed weights of a %d->%d convolution", l->c_in,
                          l->c_out);
    return SENET_OK;
}

static int plan_conv(senet_net *net, int i, int release_raw)
{
    layer *l = &net->layers[i];
    conv2d_shape s = net_conv_shape(l, 1, 1, 1);
    TRY(alloc_plan_conv(net, i));
    const real *weight = net_tensor_f32(net, l->p[0]);
    const real *conv_bias = l->p[1] >= 0 ? net_tensor_f32(net, l->p[1]) : NULL;
    l->fused = net_infer_fused(net, i);
    if (!l->fused) {
        for (int c = 0; c < l->c_out; c++)
            l->folded_bias[c] = conv_bias ? conv_bias[c] : 0;
        return conv2d_pack_weights(l->packed, weight, NULL, &s, release_raw);
    }
    const layer *bn = &net->layers[i + 1];
    real *scale = malloc((size_t)l->c_out * sizeof(real));
    if (!scale)
        return senet_fail(SENET_ERR_NOMEM, "out of memory");
    batchnorm_eval_affine(scale, l->folded_bias, net_tensor_f32(net, bn->p[0]), net_tensor_f32(net, bn->p[1]),
                          net_tensor_f32(net, bn->p[2]), net_tensor_f32(net, bn->p[3]), l->c_out);
    if (conv_bias)
        for (int c = 0; c < l->c_out; c++)
            l->folded_bias[c] += conv_bias[c] * scale[c];
    int status = conv2d_pack_weights(l->packed, weight, scale, &s, release_raw);
    free(scale);
    return status;
}

/* release_raw: each convolution's raw weights go as they are packed
 * (conv2d_pack_weights), so that the two copies never coexist. */
static int build_plan(senet_net *net, int release_raw)
{
    if (net->infer_ready)
        return SENET_OK;
    TRY(net_check_not_frozen(net, "rebuilding the inference plan"));
    if (release_raw) {
        /* Every buffer of the plan first (untouched, they take no pages yet):
         * a freeze that cannot have them fails with the weights all there. */
        for (int i = 0; i < net->num_layers; i++) {
            int status = net->layers[i].kind == LAYER_CONV ? alloc_plan_conv(net, i) : SENET_OK;
            if (status != SENET_OK) {
                net_infer_free(net);
                return status;
            }
        }
        net->frozen = 1; /* even if packing fails now: some raw weights may be gone */
    }
    for (int i = 0; i < net->num_layers; i++) {
        net->layers[i].fused = net_infer_fused(net, i);
        if (net->layers[i].kind != LAYER_CONV)
            continue;
        int status = plan_conv(net, i, release_raw);
        if (status != SENET_OK) {
            net_infer_free(net);
            return status;
        }
    }
    net->infer_ready = 1;
    return SENET_OK;
}

int net_infer_prepare(senet_net *net) { return build_plan(net, 0); }

void net_infer_invalidate(senet_net *net) { net->infer_ready = 0; }

int net_check_not_frozen(const senet_net *net, const char *what)
{
    if (!net->frozen)
        return SENET_OK;
    return senet_fail(SENET_ERR_STATE,
                      "%s needs the convolution weights, which senet_net_freeze released; load or initialise the "
                      "weights again first",
                      what);
}

void net_weights_replaced(senet_net *net)
{
    net_infer_invalidate(net);
    net->frozen = 0;
}

int net_freeze(senet_net *net)
{
    if (net->frozen)
        return SENET_OK;
    if (net->infer_ready) { /* packed already: the raw weights go at once */
        for (int i = 0; i < net->num_layers; i++) {
            const layer *l = &net->layers[i];
            if (l->kind == LAYER_CONV)
                release_pages(net_tensor_f32(net, l->p[0]), net->entries[l->p[0]].numel * sizeof(float));
        }
        net->frozen = 1;
    } else {
        TRY(build_plan(net, 1));
    }
    /* The BN, SE and classifier parameters are small and stay. */
    scratch_release(); /* its largest block held one layer's transformed weights */
    return SENET_OK;
}

void net_infer_free(senet_net *net)
{
    for (int i = 0; i < net->num_layers; i++) {
        layer *l = &net->layers[i];
        aligned_free(l->packed);
        aligned_free(l->folded_bias);
        l->packed = l->folded_bias = NULL;
        l->fused = 0;
    }
    net->infer_ready = 0;
}
