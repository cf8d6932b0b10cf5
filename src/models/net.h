/* A network as a list of layers over numbered activations (floor 4).
 *
 * Building a net (net_build.c) turns an architecture row and the SE options
 * into layers and a parameter table; plan_build.c compiles the layers into
 * a plan of steps per mode (plan.h), which the forward, the backward
 * (plan_run.c), the memory plans and the profiler run over. Every layer
 * reads one or two activations and writes one.
 *
 * All trainable parameters live in one flat buffer (gradients and SGD
 * momentum mirror it); BN running statistics in a second; the
 * num_batches_tracked counters in a third. The parameter table maps each
 * state_dict name to its shape and offset. */
#ifndef SENET_MODELS_NET_H
#define SENET_MODELS_NET_H

#include "senet.h"
#include "../base/rng.h"
#include "../ops/batchnorm.h"
#include "../ops/conv2d.h"
#include "../ops/se.h"
#include "arch.h"
#include "plan.h"

#include <stdatomic.h>
#include <stdint.h>

typedef enum tensor_store {
    STORE_PARAM,   /* trainable, in net->params */
    STORE_BUFFER,  /* BN running statistics, in net->buffers */
    STORE_COUNTER  /* num_batches_tracked, int64 in net->counters */
} tensor_store;

typedef struct param_entry {
    char name[80];     /* state_dict key */
    int ndim;
    int64_t shape[4];
    size_t offset;     /* into the store's buffer */
    size_t numel;
    tensor_store store;
    int stage;         /* 0 stem, 1..4, 5 head */
} param_entry;

typedef enum layer_kind {
    LAYER_CONV, LAYER_BN, LAYER_RELU, LAYER_MAXPOOL, LAYER_SE, LAYER_ADD, LAYER_AVGPOOL, LAYER_DROPOUT, LAYER_LINEAR
} layer_kind;

typedef struct layer {
    layer_kind kind;
    int in, in2, out;      /* activation ids; in2 only for ADD */
    int stage;
    int c_in, c_out;
    int kernel, stride, pad, groups; /* conv; max pool: kernel and stride */
    /* parameter-table entries (net->entries), -1 where absent; shapes as in the state dict */
    int weight;                                       /* conv (C_out, C_in/groups, K, K); linear (K, C_in) */
    int bias;                                         /* linear (K); conv: none in these nets */
    int bn_gamma, bn_beta, running_mean, running_var; /* BN (C) each */
    int num_batches_tracked;                          /* BN: an int64 counter */
    int fc1_weight, fc1_bias;                         /* SE (hidden, C, 1, 1), (hidden) */
    int fc2_weight, fc2_bias;                         /* SE (C, hidden, 1, 1), (C) */
    /* SE */
    int hidden;
    se_squeeze_kind squeeze;
    activation_kind gate;
    /* dropout */
    float drop_p;
} layer;

/* The time a profile row has had since profiling started, kept by the
 * layer its step starts at, so that a row's steps in either mode add up. */
typedef struct layer_time {
    double seconds[2];     /* forward, backward */
    long calls[2];
    const step *last;      /* the step its last forward ran */
} layer_time;

typedef struct activation {
    int c, h, w;           /* per run: (N, h, w, c) */
    real *data, *grad;
    int grad_start;        /* training: the step whose backward first writes grad (net_memory.c) */
} activation;

struct senet_net {
    senet_config cfg;
    const arch_row *arch;

    layer *layers;
    int num_layers, cap_layers;
    activation *acts;
    int num_acts, cap_acts;
    int input_act, logits_act;
    plan eval_plan, train_plan; /* the layers compiled per mode (plan_build.c) */

    param_entry *entries;
    int num_entries, cap_entries;
    float *params, *grads, *momentum; /* (num_params) each; momentum NULL until the first SGD step */
    size_t num_params;
    float *buffers;                   /* (num_buffers) */
    size_t num_buffers;
    int64_t *counters;                /* (num_counters) */
    size_t num_counters;

    /* the shape the activations are allocated for */
    int run_n, run_h, run_w, run_training;
    int run_capacity; /* the batch the buffers hold; eval mode may run fewer (run_n) */
    int logits_valid; /* the logits activation holds the last training step's (n = run_n) */
    rng dropout_rng;
    int infer_ready;  /* the inference plan matches the parameters */
    int frozen;       /* senet_net_freeze released the convolution weights */
    real **pool;      /* buffers the activations share (net_memory.c) */
    int pool_count;
    real **grad_pool; /* training: buffers the activation gradients share */
    int grad_pool_count;

    layer_time *profile; /* (num_layers), by a step's first layer, once profiling has started (net_profile.c) */
    int profiling;       /* the passes add to profile */

    /* excitations (net_excite.c): with excite_on, the gates of every SE block
     * for the last eval-mode forward's excite_n images, (excite_n, C) each */
    int excite_on;
    float **excite;                   /* (excite_blocks) buffers of (excite_cap, C), or NULL */
    int excite_blocks, excite_n, excite_cap;
    unsigned se_off;                  /* stages whose SE blocks eval mode runs as identity (gate 1) */

    /* fine-tuning (net_finetune.c): the stem (bit 0) and stages (bit s) whose
     * parameters training leaves alone and whose BN uses its running
     * statistics, as PyTorch's requires_grad_(False) plus eval() on them.
     * Always a leading run of stages, so backward stops at train_first, the
     * first layer that trains; frozen_boundary is its input activation (no
     * gradient is computed for it), -1 when nothing is frozen. */
    unsigned frozen_stages;
    int train_first, frozen_boundary;

    /* data-parallel replicas (senet_net_set_replicas); replicas.sum NULL when alone */
    senet_replicas replicas;
    bn_sync bn_sync;                  /* handed to batch norm in training when replicas.sync_bn */

    /* a public call is running on the net (net_calls.c): a second one at
     * the same time is refused rather than sharing the scratch buffers */
    atomic_int in_use;
    int threads;             /* senet_net_set_threads: this net's calls use this many (0: the process-wide count) */
    int threads_before;      /* the count the running call replaced (net_call_enter) */
    /* (num_buffers), (num_counters): the BN statistics before a training
     * step, put back when the step fails (net.c) */
    float *saved_buffers;
    int64_t *saved_counters;

    /* senet_net_set_metadata's entries, written into every file the net is
     * saved to (io/model_meta.c) */
    char **meta_keys, **meta_values;
    int meta_count;
};

/* Pointer to a float tensor of the table (params or buffers). */
float *net_tensor_f32(senet_net *net, int entry);
int64_t *net_tensor_i64(senet_net *net, int entry);

/* The gradient buffer is allocated on first need: inference never needs it. */
int net_ensure_grads(senet_net *net);

/* A public call takes the net's in-use flag (SENET_ERR_STATE naming `what`
 * while another call holds it) and gives it back when done (net_calls.c). */
int net_call_enter(const senet_net *net, const char *what);
void net_call_leave(const senet_net *net);
/* The bodies of the public calls, which net_calls.c wraps with the NULL
 * checks and the in-use flag. */
int net_init(senet_net *net, uint64_t seed);
int net_eval_forward(senet_net *net, const float *input, int n, int h, int w, float *logits);
int net_train_step(senet_net *net, const float *input, const int64_t *labels, int n, int h, int w,
                   float label_smoothing, float *loss);
int net_params(senet_net *net, float **params, float **grads, size_t *count);
int net_buffers(senet_net *net, float **buffers, size_t *count);
int net_set_replicas(senet_net *net, const senet_replicas *replicas);
int net_freeze(senet_net *net);
int net_set_profiling(senet_net *net, int on);
int net_profile_rows(const senet_net *net, senet_layer_profile *rows, int capacity, int *count);
int net_sgd_step(senet_net *net, const senet_sgd_options *opt);
int net_load_weights(senet_net *net, const char *path);
int net_load_backbone(senet_net *net, const char *path); /* io/weights.c */
int net_save_weights(const senet_net *net, const char *path);
int net_checkpoint_save(const senet_net *net, const char *path, const senet_checkpoint_info *info);
int net_checkpoint_load(senet_net *net, const char *path, senet_checkpoint_info *info);

/* Builds layers and parameter table from net->cfg (net_build.c), then the plans. */
int net_build(senet_net *net);
/* The parameter entry that names layer l: its first one (conv or linear
 * weight, BN gamma, SE fc1 weight), -1 when it has none. */
int net_layer_entry(const layer *l);


/* Spatial size of every activation for an h x w input (hs, ws: num_acts each). */
int net_propagate_shapes(const senet_net *net, int h, int w, int *hs, int *ws);

/* Sizes every activation for an (n, h, w) input and allocates it (and its
 * gradient when training); a no-op when the shape is unchanged. */
int net_prepare(senet_net *net, int n, int h, int w, int training);
void net_release_run(senet_net *net);
/* Images per eval-mode pass for a batch of n: all of them unless their
 * activations would pass 64 MB, then equal passes under it. */
int net_images_per_pass(senet_net *net, int n, int h, int w);

/* Activation memory plan over the mode's steps: activations share buffers
 * once their last reader has run; in training what backward reads is kept
 * to the end; the outputs inside a fused step get none (net_memory.c).
 * counts[i]: elements of activation i. */
int net_plan_activation_memory(senet_net *net, const size_t *counts, int training, size_t *dry_total);

/* Training memory plan for the activation gradients: the gradient of an
 * activation lives from the backward of its last reading step (which zeroes
 * it: gradients accumulate) to that of the step that wrote it, and
 * gradients whose lives do not overlap share a buffer. */
int net_plan_gradient_memory(senet_net *net, const size_t *counts, size_t *dry_total);

/* The plans above with a non-NULL dry_total allocate nothing and give the
 * elements their buffers would take. net_check_memory fails with
 * SENET_ERR_NOMEM, before anything is allocated, when the planned buffers of
 * an (n, h, w) batch alone exceed the memory available (Linux would grant
 * them and kill the process when it touched them). */
int net_check_memory(senet_net *net, const size_t *counts, int n, int h, int w, int training);

/* The eval plan's packed weights: built on the first eval-mode forward,
 * marked stale by anything that may change parameters or BN statistics
 * (net_infer.c). */
int net_infer_prepare(senet_net *net);
/* SENET_ERR_STATE naming `what` when the net is frozen (its raw weights released). */
int net_check_not_frozen(const senet_net *net, const char *what);
/* The weights are being written anew (load, init): the net is no longer frozen. */
void net_weights_replaced(senet_net *net);
void net_infer_invalidate(senet_net *net);
void net_infer_free(senet_net *net);

/* The convolution shape of conv layer l on an (n, h, w) input (h_out and
 * w_out left to conv2d_shape_finish). */
conv2d_shape net_conv_shape(const layer *l, int n, int h, int w);

/* Multiply-adds per image of one layer whose output is out_h x out_w. */
uint64_t net_layer_macs(const layer *l, int out_h, int out_w);

/* Profiling (net_profile.c): the time now when profiling is on, else 0;
 * then net_profile_add charges the time since `started` to step s (pass 0
 * forward, 1 backward). */
double net_profile_clock(const senet_net *net);
void net_profile_add(senet_net *net, const step *s, int pass, double started);

/* Excitation capture (net_excite.c): sized for n images before a forward
 * (a no-op when capture is off), then each pass's gates copied in at image
 * `first`, and the n images marked readable once every pass has run (a
 * failed forward leaves none). */
int net_excite_begin(senet_net *net, int n);
void net_excite_record(senet_net *net, int first, int count);
void net_excite_done(senet_net *net, int n);
void net_excite_free(senet_net *net);
/* The bodies of the excitation calls of senet.h (net_excite.c). */
int net_num_se_blocks(const senet_net *net);
int net_se_block(const senet_net *net, int index, senet_se_block *info);
int net_find_se_block(const senet_net *net, const char *name, int *index);
int net_set_excitation_capture(senet_net *net, int on);
int net_excitations(const senet_net *net, int index, const float **gates, int *n);
int net_set_se_off(senet_net *net, unsigned stages);
int net_freeze_stages(senet_net *net, unsigned stages);
/* The classifier's tensors (last_linear.weight and .bias): fine-tuning replaces them. */
int net_entry_is_classifier(const param_entry *e);
/* The layer or parameter of STAGE (0 stem, 1..4, 5 head) is frozen. */
int net_stage_frozen(const senet_net *net, int stage);
/* Whether eval mode runs the SE block of `stage` as identity (senet_net_set_se_off). */
int net_se_is_off(const senet_net *net, int stage);

/* The sync-BN hook for batch norm in training, or NULL (net_replicas.c). */
bn_sync *net_bn_sync(senet_net *net);
/* With replicas: turns this replica's mean loss over n samples and its
 * d_logits (n, k) into its share of the global batch's (sum over replicas,
 * divide by the global count), so the replicas' gradients add up to the
 * whole batch's; *loss becomes the global mean. A no-op when alone. */
int net_replica_loss(senet_net *net, real *d_logits, int n, int k, double *loss);
/* A failure of a sync-BN sum during the last pass, as a status. */
int net_replica_status(senet_net *net);

#endif
