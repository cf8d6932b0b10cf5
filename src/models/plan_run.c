/* Running a plan: the forward over the mode's steps in order, the backward
 * over the training steps in reverse. Each step kind has its forward and
 * backward side by side in the table at the end. */
#include "net.h"

#include "../base/status.h"
#include "../ops/activation.h"
#include "../ops/batchnorm.h"
#include "../ops/conv2d.h"
#include "../ops/dropout.h"
#include "../ops/elementwise.h"
#include "../ops/linear.h"
#include "../ops/pool.h"

#include <string.h>

/* One step's run: its operands resolved for this batch. */
typedef struct pass {
    senet_net *net;
    step *s;
    int n, training;
    activation *in, *out, *residual; /* residual NULL without an add */
    size_t rows, count;              /* of the input: N*H*W, and that times C */
    real *d_in;                      /* backward: the input gradient wanted, or NULL */
} pass;

static const float *param(senet_net *net, int entry) { return entry < 0 ? NULL : net_tensor_f32(net, entry); }
static float *grad(senet_net *net, int entry) { return entry < 0 ? NULL : net->grads + net->entries[entry].offset; }

static int relu_of(const pass *p) { return step_kind_info(p->s->kind)->relu; }

static int forward_conv(const pass *p)
{
    const layer *l = p->s->op;
    conv2d_shape sh = net_conv_shape(l, p->n, p->in->h, p->in->w);
    TRY(conv2d_shape_finish(&sh));
    if (p->training)
        return conv2d_forward(p->out->data, p->in->data, param(p->net, l->weight), NULL, &sh);
    /* the packed product with the folded BN's bias and the ReLU in its stores */
    return conv2d_forward_packed(p->out->data, p->in->data, p->s->packed, p->s->folded_bias, relu_of(p), &sh);
}

static int backward_conv(const pass *p)
{
    const layer *l = p->s->op;
    conv2d_shape sh = net_conv_shape(l, p->n, p->in->h, p->in->w);
    TRY(conv2d_shape_finish(&sh));
    return conv2d_backward(p->d_in, grad(p->net, l->weight), NULL, p->out->grad, p->in->data, param(p->net, l->weight),
                           &sh);
}

static int forward_bn(const pass *p)
{
    senet_net *net = p->net;
    const layer *l = p->s->op;
    step_scratch *t = &p->s->scratch;
    int relu = relu_of(p);
    /* eval mode, and fine-tuning's frozen BN: the running statistics, left as they are */
    if (!p->training || net_stage_frozen(net, l->stage)) {
        batchnorm_forward_eval(p->out->data, p->in->data, param(net, l->bn_gamma), param(net, l->bn_beta),
                               param(net, l->running_mean), param(net, l->running_var), p->rows, p->in->c);
        if (relu)
            activation_forward(p->out->data, p->out->data, p->count, ACT_RELU);
        return SENET_OK;
    }
    batchnorm_forward_train(p->out->data, t->bn_mean, t->bn_inv_std, p->in->data, param(net, l->bn_gamma),
                            param(net, l->bn_beta), net_tensor_f32(net, l->running_mean),
                            net_tensor_f32(net, l->running_var), p->rows, p->in->c, relu, net_bn_sync(net));
    (*net_tensor_i64(net, l->num_batches_tracked))++;
    return SENET_OK;
}

static int backward_bn(const pass *p)
{
    senet_net *net = p->net;
    const layer *l = p->s->op;
    const step_scratch *t = &p->s->scratch;
    /* with its ReLU: the output gradient where the output is positive */
    batchnorm_backward(p->d_in, grad(net, l->bn_gamma), grad(net, l->bn_beta), p->out->grad,
                       relu_of(p) ? p->out->data : NULL, p->in->data, t->bn_mean, t->bn_inv_std,
                       param(net, l->bn_gamma), p->rows, p->in->c, net_bn_sync(net));
    return SENET_OK;
}

static int forward_relu(const pass *p)
{
    activation_forward(p->out->data, p->in->data, p->count, ACT_RELU);
    return SENET_OK;
}

static int backward_relu(const pass *p)
{
    activation_backward(p->d_in, p->out->grad, p->out->data, p->count, ACT_RELU);
    return SENET_OK;
}

static int forward_maxpool(const pass *p)
{
    const layer *l = p->s->op;
    maxpool_forward(p->out->data, p->s->scratch.pool_argmax, p->in->data, p->n, p->in->h, p->in->w, p->in->c,
                    l->kernel, l->stride, 0, p->out->h, p->out->w);
    return SENET_OK;
}

static int backward_maxpool(const pass *p)
{
    maxpool_backward(p->d_in, p->out->grad, p->s->scratch.pool_argmax, p->n, p->in->h, p->in->w, p->in->c, p->out->h,
                     p->out->w);
    return SENET_OK;
}

static se_weights se_weights_of(senet_net *net, const layer *l)
{
    se_weights w = {param(net, l->fc1_weight), param(net, l->fc1_bias), param(net, l->fc2_weight),
                    param(net, l->fc2_bias)};
    return w;
}

static se_shape se_shape_of(const pass *p)
{
    const layer *l = p->s->op;
    se_shape s = {p->n, p->in->h * p->in->w, l->c_in, l->hidden, l->squeeze, l->gate};
    return s;
}

/* An SE block switched off (senet_net_set_se_off) in eval mode: the gate
 * is 1, so the block passes its input on, into the residual add (and ReLU)
 * of its step; its gates read 1 for excitation capture. */
static void se_forward_identity(const pass *p)
{
    size_t nc = (size_t)p->n * p->in->c;
    for (size_t j = 0; j < nc; j++)
        p->s->scratch.se.s[j] = 1;
    if (!p->residual)
        memcpy(p->out->data, p->in->data, p->count * sizeof(real));
    else
        scale_add_forward(p->out->data, p->in->data, NULL, p->residual->data, p->n, p->in->h * p->in->w, p->in->c,
                          relu_of(p));
}

static int forward_se(const pass *p)
{
    se_weights w = se_weights_of(p->net, p->s->op);
    se_shape sh = se_shape_of(p);
    se_saved *saved = &p->s->scratch.se;
    if (!p->training && net_se_is_off(p->net, p->s->stage))
        se_forward_identity(p);
    else if (!p->residual)
        se_forward(p->out->data, saved, p->in->data, &w, &sh);
    else { /* the scale happens inside the residual add (and ReLU) */
        se_excite(saved, p->in->data, &w, &sh);
        scale_add_forward(p->out->data, p->in->data, saved->s, p->residual->data, p->n, sh.hw, sh.c, relu_of(p));
    }
    return SENET_OK;
}

static int backward_se(const pass *p)
{
    senet_net *net = p->net;
    const layer *l = p->s->op;
    se_weights w = se_weights_of(net, l);
    se_shape sh = se_shape_of(p);
    se_grads g = {grad(net, l->fc1_weight), grad(net, l->fc1_bias), grad(net, l->fc2_weight), grad(net, l->fc2_bias)};
    if (!p->residual)
        return se_backward(p->d_in, &g, p->out->grad, p->in->data, &p->s->scratch.se, &w, &sh);
    /* with the residual add (and ReLU), from the step's output gradient */
    return se_add_backward(p->d_in, p->residual->grad, &g, p->out->grad, relu_of(p) ? p->out->data : NULL,
                           p->in->data, &p->s->scratch.se, &w, &sh);
}

static int forward_add(const pass *p)
{
    if (relu_of(p)) /* add and ReLU in one pass */
        scale_add_forward(p->out->data, p->in->data, NULL, p->residual->data, p->n, p->in->h * p->in->w, p->in->c, 1);
    else
        add_forward(p->out->data, p->in->data, p->residual->data, p->count);
    return SENET_OK;
}

/* Both operands' gradients, wanted or not: an add has no parameters but
 * is never at the input, and its gradients feed the branches before it. */
static int backward_add(const pass *p)
{
    if (relu_of(p)) {
        scale_add_backward(p->in->grad, p->residual->grad, NULL, p->out->grad, p->out->data, NULL, NULL, p->n,
                           p->in->h * p->in->w, p->in->c);
        return SENET_OK;
    }
    accumulate(p->in->grad, p->out->grad, p->count);
    accumulate(p->residual->grad, p->out->grad, p->count);
    return SENET_OK;
}

static int forward_avgpool(const pass *p)
{
    global_avgpool_forward(p->out->data, p->in->data, p->n, p->in->h * p->in->w, p->in->c);
    return SENET_OK;
}

static int backward_avgpool(const pass *p)
{
    global_avgpool_backward(p->d_in, p->out->grad, p->n, p->in->h * p->in->w, p->in->c);
    return SENET_OK;
}

static int forward_dropout(const pass *p)
{
    if (p->training)
        dropout_forward(p->out->data, p->s->scratch.dropout_mask, p->in->data, p->count, p->s->op->drop_p,
                        &p->net->dropout_rng);
    else
        memcpy(p->out->data, p->in->data, p->count * sizeof(real));
    return SENET_OK;
}

static int backward_dropout(const pass *p)
{
    dropout_backward(p->d_in, p->out->grad, p->s->scratch.dropout_mask, p->count);
    return SENET_OK;
}

static int forward_linear(const pass *p)
{
    const layer *l = p->s->op;
    linear_forward(p->out->data, p->in->data, param(p->net, l->weight), param(p->net, l->bias), p->n, l->c_in, l->c_out);
    return SENET_OK;
}

static int backward_linear(const pass *p)
{
    senet_net *net = p->net;
    const layer *l = p->s->op;
    linear_backward(p->d_in, grad(net, l->weight), grad(net, l->bias), p->out->grad, p->in->data, param(net, l->weight),
                    p->n, l->c_in, l->c_out);
    return SENET_OK;
}

typedef struct step_ops {
    int (*forward)(const pass *p);
    int (*backward)(const pass *p); /* NULL: an eval-only kind */
} step_ops;

static const step_ops ops[STEP_KINDS] = {
    [STEP_CONV] = {forward_conv, backward_conv},
    [STEP_CONV_BN] = {forward_conv, NULL},
    [STEP_CONV_BN_RELU] = {forward_conv, NULL},
    [STEP_BN] = {forward_bn, backward_bn},
    [STEP_BN_RELU] = {forward_bn, backward_bn},
    [STEP_RELU] = {forward_relu, backward_relu},
    [STEP_MAXPOOL] = {forward_maxpool, backward_maxpool},
    [STEP_SE] = {forward_se, backward_se},
    [STEP_SE_SCALE_ADD] = {forward_se, backward_se},
    [STEP_SE_SCALE_ADD_RELU] = {forward_se, backward_se},
    [STEP_ADD] = {forward_add, backward_add},
    [STEP_ADD_RELU] = {forward_add, backward_add},
    [STEP_AVGPOOL] = {forward_avgpool, backward_avgpool},
    [STEP_DROPOUT] = {forward_dropout, backward_dropout},
    [STEP_LINEAR] = {forward_linear, backward_linear},
};

static pass pass_of(senet_net *net, step *s, int training)
{
    pass p = {net, s, net->run_n, training, &net->acts[s->in], &net->acts[s->out],
              s->residual >= 0 ? &net->acts[s->residual] : NULL, 0, 0, NULL};
    p.rows = (size_t)p.n * p.in->h * p.in->w;
    p.count = p.rows * p.in->c;
    return p;
}

int plan_forward(senet_net *net, int training)
{
    if (training) {
        TRY(net_check_not_frozen(net, "training"));
        net_infer_invalidate(net); /* BN running statistics move */
    } else {
        TRY(net_infer_prepare(net));
    }
    plan *pl = net_plan(net, training);
    for (int i = 0; i < pl->num_steps; i++) {
        step *s = &pl->steps[i];
        pass p = pass_of(net, s, training);
        double started = net_profile_clock(net);
        TRY(ops[s->kind].forward(&p));
        net_profile_add(net, s, 0, started);
    }
    return SENET_OK;
}

int plan_backward(senet_net *net)
{
    plan *pl = &net->train_plan;
    /* frozen stages (fine-tuning) come first and need no gradients: backward ends where training starts */
    for (int i = pl->num_steps - 1; i >= 0 && pl->steps[i].first >= net->train_first; i--) {
        step *s = &pl->steps[i];
        pass p = pass_of(net, s, 1);
        p.d_in = s->in == net->input_act || s->in == net->frozen_boundary ? NULL : p.in->grad;
        if (!p.d_in && step_kind_info(s->kind)->parameterless)
            continue; /* no parameters and no gradient wanted for the input: nothing to do */
        double started = net_profile_clock(net);
        /* Gradients accumulate; one that starts life in this step starts at
         * zero (its buffer is shared with gradients that are spent). */
        int reads[2] = {s->in, s->residual};
        for (int r = 0; r < 2; r++)
            if (reads[r] >= 0 && reads[r] != net->input_act && net->acts[reads[r]].grad_start == i) {
                const activation *a = &net->acts[reads[r]];
                memset(a->grad, 0, (size_t)p.n * a->h * a->w * a->c * sizeof(real));
            }
        TRY(ops[s->kind].backward(&p));
        net_profile_add(net, s, 1, started);
    }
    return SENET_OK;
}
