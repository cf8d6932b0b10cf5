/* The eval plan's weights. In eval mode a convolution followed by its batch
 * norm (and the ReLU after that) is one step (plan_build.c): the BN scale
 * is folded into the weights here, its shift becomes a bias, and bias and
 * ReLU are applied as the GEMM stores its tiles, so neither BN nor ReLU
 * makes a pass over memory. The weights are permuted and packed once here
 * instead of on every call; freezing releases the raw ones. */
#include "net.h"

#include "../base/alloc.h"
#include "../base/scratch.h"
#include "../base/status.h"
#include "../ops/batchnorm.h"
#include "../ops/conv2d.h"

#include <stdlib.h>

static int is_conv(const step *s)
{
    return s->kind == STEP_CONV || s->kind == STEP_CONV_BN || s->kind == STEP_CONV_BN_RELU;
}

/* The packed weights and folded bias of conv step s, kept from an earlier plan or allocated. */
static int alloc_packed(step *s)
{
    const layer *l = s->op;
    conv2d_shape sh = net_conv_shape(l, 1, 1, 1);
    if (!s->packed)
        s->packed = aligned_alloc_checked(conv2d_packed_size(&sh) * sizeof(real));
    if (!s->folded_bias)
        s->folded_bias = aligned_alloc_checked((size_t)l->c_out * sizeof(real));
    if (!s->packed || !s->folded_bias)
        return senet_fail(SENET_ERR_NOMEM, "no memory for the packed weights of a %d->%d convolution", l->c_in,
                          l->c_out);
    return SENET_OK;
}

static int pack_conv(senet_net *net, step *s, int release_raw)
{
    const layer *l = s->op;
    conv2d_shape sh = net_conv_shape(l, 1, 1, 1);
    TRY(alloc_packed(s));
    const real *weight = net_tensor_f32(net, l->weight);
    const real *conv_bias = l->bias >= 0 ? net_tensor_f32(net, l->bias) : NULL;
    if (!s->bn) {
        for (int c = 0; c < l->c_out; c++)
            s->folded_bias[c] = conv_bias ? conv_bias[c] : 0;
        return conv2d_pack_weights(s->packed, weight, NULL, &sh, release_raw);
    }
    const layer *bn = s->bn;
    real *scale = malloc((size_t)l->c_out * sizeof(real));
    if (!scale)
        return senet_fail(SENET_ERR_NOMEM, "out of memory");
    batchnorm_eval_affine(scale, s->folded_bias, net_tensor_f32(net, bn->bn_gamma), net_tensor_f32(net, bn->bn_beta),
                          net_tensor_f32(net, bn->running_mean), net_tensor_f32(net, bn->running_var), l->c_out);
    if (conv_bias)
        for (int c = 0; c < l->c_out; c++)
            s->folded_bias[c] += conv_bias[c] * scale[c];
    int status = conv2d_pack_weights(s->packed, weight, scale, &sh, release_raw);
    free(scale);
    return status;
}

/* release_raw: each convolution's raw weights go as they are packed
 * (conv2d_pack_weights), so that the two copies never coexist. */
static int pack_plan(senet_net *net, int release_raw)
{
    if (net->infer_ready)
        return SENET_OK;
    TRY(net_check_not_frozen(net, "rebuilding the inference plan"));
    plan *p = &net->eval_plan;
    if (release_raw) {
        /* Every buffer of the plan first (untouched, they take no pages yet):
         * a freeze that cannot have them fails with the weights all there. */
        for (int i = 0; i < p->num_steps; i++) {
            int status = is_conv(&p->steps[i]) ? alloc_packed(&p->steps[i]) : SENET_OK;
            if (status != SENET_OK) {
                net_infer_free(net);
                return status;
            }
        }
        net->frozen = 1; /* even if packing fails now: some raw weights may be gone */
    }
    for (int i = 0; i < p->num_steps; i++) {
        if (!is_conv(&p->steps[i]))
            continue;
        int status = pack_conv(net, &p->steps[i], release_raw);
        if (status != SENET_OK) {
            net_infer_free(net);
            return status;
        }
    }
    net->infer_ready = 1;
    return SENET_OK;
}

int net_infer_prepare(senet_net *net) { return pack_plan(net, 0); }

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
        for (int i = 0; i < net->eval_plan.num_steps; i++) {
            const step *s = &net->eval_plan.steps[i];
            if (is_conv(s))
                release_pages(net_tensor_f32(net, s->op->weight), net->entries[s->op->weight].numel * sizeof(float));
        }
        net->frozen = 1;
    } else {
        TRY(pack_plan(net, 1));
    }
    /* The BN, SE and classifier parameters are small and stay. */
    scratch_release(); /* its largest block held one layer's transformed weights */
    return SENET_OK;
}

void net_infer_free(senet_net *net)
{
    for (int i = 0; i < net->eval_plan.num_steps; i++) {
        step *s = &net->eval_plan.steps[i];
        aligned_free(s->packed);
        aligned_free(s->folded_bias);
        s->packed = s->folded_bias = NULL;
    }
    net->infer_ready = 0;
}
