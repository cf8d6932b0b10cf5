/* The compiled plan of a net (floor 4): what a forward or a backward runs.
 *
 * A net's layers (net.h) are its graph, as the architecture builds it. For
 * each mode, eval and training, plan_build.c compiles them once into a list
 * of steps: a step is one pass over memory that does one layer or a fused
 * run of them (a convolution with its folded BN and ReLU, an SE block's
 * scale inside the residual add and ReLU after it, ...). Forward runs the
 * steps in order, backward in reverse (plan_run.c); the memory plans
 * (net_memory.c) and the profiler (net_profile.c) read the same steps, so
 * which layers go together is decided in one place.
 *
 * Adding a fusion or a precision: a step kind here, its rule in
 * plan_build.c's table (the layer kinds it does, the modes it runs in, what
 * its backward reads), and its forward (and backward, where it trains) in
 * plan_run.c's table. */
#ifndef SENET_MODELS_PLAN_H
#define SENET_MODELS_PLAN_H

#include "../base/real.h"
#include "../ops/se.h"

#include <stdint.h>

typedef enum step_kind {
    STEP_CONV,              /* convolution; eval: packed, with its bias */
    STEP_CONV_BN,           /* eval: convolution with the BN after it folded into weights and bias */
    STEP_CONV_BN_RELU,      /* eval: the same with the ReLU in the GEMM's stores */
    STEP_BN,                /* batch norm */
    STEP_BN_RELU,           /* training: batch norm and the ReLU after it */
    STEP_RELU,
    STEP_MAXPOOL,
    STEP_SE,                /* squeeze, excite, scale */
    STEP_SE_SCALE_ADD,      /* SE whose scale is applied inside the residual add after it */
    STEP_SE_SCALE_ADD_RELU, /* the same and the ReLU after the add */
    STEP_ADD,               /* residual add */
    STEP_ADD_RELU,
    STEP_AVGPOOL,           /* global average pool */
    STEP_DROPOUT,
    STEP_LINEAR,
    STEP_KINDS
} step_kind;

/* Per-run buffers a step keeps from its forward for its backward (or for
 * the caller: the SE gates), sized for the run's batch by net_prepare. */
typedef struct step_scratch {
    real *bn_mean, *bn_inv_std; /* BN, training: (C) the batch's mean and 1/std */
    se_saved se;                /* SE: z (N, C), h (N, hidden), s (N, C) the gates, argmax (N, C) */
    int32_t *pool_argmax;       /* max pool, training: (N, H_out, W_out, C) */
    real *dropout_mask;         /* dropout, training: (N, H, W, C) */
} step_scratch;

struct layer;

typedef struct step {
    step_kind kind;
    int first, last;            /* the layers it does: layers[first..last] */
    int stage;                  /* 0 stem, 1..4, 5 head */
    /* activation ids (net->acts; their buffers come from the memory plan) */
    int in;                     /* (N, H, W, C_in) */
    int out;                    /* (N, H_out, W_out, C_out): the last layer's output */
    int residual;               /* the add's other operand (N, H, W, C_out), -1 without an add */
    const struct layer *op;     /* layers[first]: the layer whose parameters it uses */
    const struct layer *bn;     /* CONV_BN(_RELU): the BN folded in, else NULL */
    /* eval conv steps (net_infer.c): NULL until the inference plan is built */
    real *packed;               /* weights permuted, BN-scaled and packed (conv2d_packed_size) */
    real *folded_bias;          /* (C_out) conv bias plus the folded BN shift */
    step_scratch scratch;
    char name[80];              /* its profile row: "layer1.0.conv1", "layer1.0.relu", "avgpool" */
} step;

typedef struct plan {
    step *steps;
    int num_steps;
} plan;

/* What a step kind is, for the walkers that do not run it (plan_build.c). */
typedef struct step_info {
    const char *op;          /* the profile's op ("bn+relu"; convolutions add their shape and method) */
    int relu;                /* ends in a ReLU */
    int keeps_input;         /* training: its backward reads its input's values */
    int keeps_output;        /* training: its backward reads its output's values (a ReLU's) */
    int over_input;          /* eval: elementwise, so its output may take an input's buffer */
    int parameterless;       /* without an input gradient wanted, its backward has nothing to do */
} step_info;

const step_info *step_kind_info(step_kind kind);

struct senet_net;

/* Compiles the net's layers into its eval and training plans (after net_build). */
int plan_build(struct senet_net *net);
void plan_free(plan *p);
/* Frees the scratch of every step of p (the run's buffers are going). */
void plan_release_scratch(plan *p);
/* The plan a forward in this mode runs. */
plan *net_plan(struct senet_net *net, int training);

/* Runs the steps of the mode's plan forward (plan_run.c): from
 * acts[input_act] (N, H, W, 3) to acts[logits_act] (N, K). */
int plan_forward(struct senet_net *net, int training);
/* The training plan in reverse from acts[logits_act].grad, down to the
 * first layer that trains; parameter gradients accumulate into net->grads. */
int plan_backward(struct senet_net *net);

#endif
