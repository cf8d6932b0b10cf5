/* senet: Squeeze-and-Excitation networks in C.
 *
 * The public interface of libsenet. Everything here is either a plain value
 * type or an opaque handle; every function that can fail returns a status
 * (SENET_OK == 0) and leaves a message naming the cause in
 * senet_last_error(). The library never prints, exits or aborts on bad input.
 *
 * A NULL handle or buffer where one is needed is SENET_ERR_ARGUMENT (calls
 * that return no status return NULL or 0 instead). A call that fails
 * leaves its net as it was: weights, BN statistics, frozen or not, the
 * last training logits; the exceptions are named below (a failed freeze).
 *
 * One net serves one call at a time: a call on a net while another call
 * runs on it (from another thread, or from a replica hook) fails at once
 * with SENET_ERR_STATE and changes nothing. Threads that run in parallel
 * each need their own net; different nets may be used at the same time.
 *
 * Tensors that cross this interface are in PyTorch's order: images NCHW,
 * weights OIHW, logits (N, K). Inside, activations are channels-last.
 */
#ifndef SENET_H
#define SENET_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && defined(SENET_BUILD_SHARED)
#define SENET_API __declspec(dllexport)
#elif defined(__GNUC__)
#define SENET_API __attribute__((visibility("default")))
#else
#define SENET_API
#endif

#define SENET_VERSION "0.1.0"
/* The version of the library linked, at run time (SENET_VERSION is the header's). */
SENET_API const char *senet_version(void);

/* Status codes: only ever appended to. */
typedef enum senet_status {
    SENET_OK = 0,
    SENET_ERR_ARGUMENT = 1, /* a value out of range, an unknown name */
    SENET_ERR_NOMEM = 2,    /* an allocation failed or a size overflowed */
    SENET_ERR_IO = 3,       /* a file could not be opened, read or written */
    SENET_ERR_FORMAT = 4,   /* a file is malformed */
    SENET_ERR_SHAPE = 5,    /* a tensor is missing, extra, or has the wrong shape */
    SENET_ERR_STATE = 6,    /* a call that the handle's state does not allow */
    SENET_ERR_NUMERIC = 7   /* a loss or value became NaN or infinite */
} senet_status;

/* A fixed text for a status code. */
SENET_API const char *senet_strerror(int status);
/* The detailed message of the last failure on this thread ("" if none). */
SENET_API const char *senet_last_error(void);

/* ---- SE block options (the paper's ablations, TPAMI Tables 10-16) ---- */
typedef enum senet_squeeze { SENET_SQUEEZE_AVG = 0, SENET_SQUEEZE_MAX = 1 } senet_squeeze;
typedef enum senet_gate { SENET_GATE_SIGMOID = 0, SENET_GATE_TANH = 1, SENET_GATE_RELU = 2 } senet_gate;
typedef enum senet_se_mode {
    SENET_SE_STANDARD = 0, /* on the residual branch, before the identity add */
    SENET_SE_PRE = 1,      /* on the block input, before the residual branch */
    SENET_SE_POST = 2,     /* after the add and the ReLU */
    SENET_SE_IDENTITY = 3  /* on the shortcut path, in parallel with the branch */
} senet_se_mode;

#define SENET_SE_ALL_STAGES 0xFu

typedef struct senet_se_options {
    int reduction;         /* r: hidden width is C / r; r must divide C */
    senet_squeeze squeeze;
    senet_gate gate;
    senet_se_mode mode;
    unsigned stages;       /* bit s-1 set: SE in stage s (1..4); 0: no SE at all;
                              SENET_SE_ALL_STAGES: every stage the net has (3 for CIFAR nets) */
    int bias;              /* 1: excitation layers have biases */
} senet_se_options;

/* What a network is: an architecture name plus options. Fill it with
 * senet_config_default() and change what you need. */
typedef struct senet_config {
    char arch[32];
    int num_classes;
    float dropout;         /* before the classifier; used only in training */
    senet_se_options se;
} senet_config;

/* Fills cfg with the defaults of a named architecture
 * (SENET_ERR_ARGUMENT for an unknown name). */
SENET_API int senet_config_default(const char *arch, senet_config *cfg);
/* The input size an architecture is usually run at (224 ImageNet, 32 CIFAR); 0 if unknown. */
SENET_API int senet_arch_input_size(const char *arch);
/* The names of all architectures, NULL-terminated. */
SENET_API const char *const *senet_arch_names(void);

/* ---- Networks ---- */
typedef struct senet_net senet_net;

SENET_API int senet_net_create(const senet_config *cfg, senet_net **out);
SENET_API void senet_net_free(senet_net *net);
SENET_API const senet_config *senet_net_config(const senet_net *net);

/* PyTorch's default initialisation (Kaiming normal fan-out for convolutions,
 * BN weight 1 and bias 0, uniform +-1/sqrt(fan_in) for the classifier), from a seed. */
SENET_API int senet_net_init(senet_net *net, uint64_t seed);

/* Threads used by every op (<= 0: all cores), for every net without a
 * count of its own. */
SENET_API void senet_set_threads(int threads);
SENET_API int senet_get_threads(void);

/* This net's own thread count (0: follow senet_set_threads), so that two
 * nets in one process (a server's, a test's) can run with different counts
 * at the same time; the count of its calls' ops. SENET_ERR_ARGUMENT outside
 * 0..1024. senet_net_get_threads: the count its calls use now. */
SENET_API int senet_net_set_threads(senet_net *net, int threads);
SENET_API int senet_net_get_threads(const senet_net *net);

/* Weights in safetensors, under the state_dict names of the PyTorch models.
 * A missing num_batches_tracked loads as 0 (as PyTorch's strict load).
 * Loading also takes over the file's attached metadata (see "Model files"
 * below); saving writes the configuration and the attached entries. */
SENET_API int senet_net_load(senet_net *net, const char *path);
SENET_API int senet_net_save(const senet_net *net, const char *path);

/* Eval mode: input (n, 3, h, w) NCHW, logits (n, num_classes). The first
 * call after the parameters change folds each batch norm into the
 * convolution before it and packs the weights (a second copy of the
 * convolution weights, kept until the parameters change again;
 * senet_net_freeze drops the first); the
 * activations share a few buffers, and a batch whose activations would
 * pass 64 MB runs a few images per pass in them (the logits are the same).
 * An input value that is NaN or infinite is SENET_ERR_ARGUMENT naming the
 * image, channel, row and column (here and in training). */
SENET_API int senet_net_forward(senet_net *net, const float *input, int n, int h, int w, float *logits);

/* For a process that only classifies: builds the eval-mode plan now and
 * releases the convolution weights it was built from, so the net holds
 * one copy of its weights instead of two. Afterwards the net runs
 * senet_net_forward only; training, saving, and senet_net_params or
 * senet_net_buffers fail with SENET_ERR_STATE until senet_net_load or
 * senet_net_init gives it weights again (a load that fails leaves it
 * frozen, its logits unchanged). A freeze that fails for memory while
 * packing has released some weights: the net is then frozen without a
 * plan, and refuses senet_net_forward too until a load or init. */
SENET_API int senet_net_freeze(senet_net *net);

/* Train mode: forward with batch statistics (updating the running ones),
 * softmax cross-entropy with label smoothing, then backward. The gradients
 * are left in the net for senet_sgd_step() or senet_net_params(). labels: (n).
 * A step that fails (SENET_ERR_NUMERIC for a NaN or infinite loss, a
 * replica's failed sum) puts the BN statistics back as they were; it
 * leaves no logits for senet_net_last_logits. */
SENET_API int senet_net_forward_backward(senet_net *net, const float *input, const int64_t *labels,
                                         int n, int h, int w, float label_smoothing, float *loss);

/* The logits (n, num_classes) of the last senet_net_forward_backward call
 * (senet_net_forward writes its own to the caller's array); NULL before the
 * first or after an eval-mode forward (and while another call runs on the
 * net). Valid until the next call on the net. */
SENET_API const float *senet_net_last_logits(const senet_net *net, int *n);

/* The flat trainable parameters and their gradients, in the same order.
 * The caller may write the parameters: each call marks the packed, BN-folded
 * inference weights stale, so the next eval-mode forward rebuilds them. The
 * gradient buffer is allocated on first need (here, or the first training
 * step); SENET_ERR_NOMEM if it cannot be. */
SENET_API int senet_net_params(senet_net *net, float **params, float **grads, size_t *count);

/* The BN running statistics (running_mean and running_var of every BN, in
 * the order of the state dict): data-parallel replicas without sync BN
 * broadcast one replica's before evaluating, as PyTorch's DDP does. The
 * caller may write them; the next eval-mode forward then rebuilds its plan. */
SENET_API int senet_net_buffers(senet_net *net, float **buffers, size_t *count);

/* ---- Data-parallel replicas ----
 * A net can be one of several replicas that each train on a shard of a
 * global batch (MPI ranks, say). sum(ctx, values, count) must replace the
 * count doubles of values by their sum over all replicas, in place, and
 * return 0 (or a status on failure); every replica calls it the same
 * number of times with the same counts, so every replica must call
 * senet_net_forward_backward for every global batch, with at least one image.
 *
 * With replicas set, senet_net_forward_backward divides the loss by the
 * global batch size rather than its own, so the replicas' gradients (from
 * senet_net_params) add up to the gradient of the whole batch: sum them
 * (one all-reduce) and let every replica take the same SGD step. The loss
 * it reports is the global batch's mean. With sync_bn, training-mode batch
 * norm also normalises with the mean and variance of the global batch (and
 * its backward uses the global sums), so P replicas holding B/P images each
 * compute what one net with the B images does, up to float rounding.
 * Without it, each replica's batch norm sees its own images (PyTorch DDP).
 * Eval mode never calls sum. */
typedef struct senet_replicas {
    int (*sum)(void *ctx, double *values, size_t count);
    void *ctx;
    int sync_bn;
} senet_replicas;
/* replicas NULL (or with sum NULL): this net trains alone again. */
SENET_API int senet_net_set_replicas(senet_net *net, const senet_replicas *replicas);

/* torch.optim.SGD: weight decay added to the gradient, momentum buffer
 * started from the first gradient, dampening 0, optional Nesterov. */
typedef struct senet_sgd_options {
    float lr;
    float momentum;
    float weight_decay;
    int nesterov;
    int no_decay_1d;   /* 1: no weight decay on 1-d parameters (BN weights and biases, all biases) */
    float head_lr_mult; /* the classifier (last_linear) learns at lr x this (a parameter group of its
                           own in PyTorch); 0, as a zeroed struct has it, means 1 */
} senet_sgd_options;
/* Parameters of frozen stages (senet_net_freeze_stages) are left as they are. */
SENET_API int senet_sgd_step(senet_net *net, const senet_sgd_options *opt);

/* ---- Fine-tuning ----
 * senet_net_load_backbone loads a weights file as senet_net_load does but
 * for the classifier (last_linear.weight and .bias): the net keeps its own,
 * as senet_net_init left them, and the file's may have any shape (another
 * class count). The file's metadata is not taken over (its class names
 * are not the net's); everything else is checked as strictly.
 *
 * senet_net_freeze_stages fixes a leading run of the net: bit 0 the stem,
 * bit s stage s (layer1..layer4). In training their parameters get no
 * gradient and no SGD update, and their batch norms normalise with their
 * running statistics and leave them (PyTorch: requires_grad_(False) and
 * .eval() on those modules); backward stops where training starts, so a
 * step costs less. Only a leading run can be frozen (stages = 2^k - 1, up
 * to every stage, leaving the classifier): SENET_ERR_ARGUMENT otherwise.
 * 0 unfreezes. Eval mode is unchanged. Not the same as senet_net_freeze,
 * which makes a net inference-only. */
SENET_API int senet_net_load_backbone(senet_net *net, const char *path);
SENET_API int senet_net_freeze_stages(senet_net *net, unsigned stages);

/* Learning-rate schedules, as a function of the (fractional) epoch:
 * constant, multi-step (x gamma at each milestone epoch, as torch's
 * MultiStepLR), cosine from base_lr to min_lr over total_epochs (as
 * CosineAnnealingLR), each optionally after a linear warm-up from
 * base_lr * warmup_start over warmup_epochs. */
typedef enum senet_lr_kind { SENET_LR_CONSTANT = 0, SENET_LR_MULTISTEP = 1, SENET_LR_COSINE = 2 } senet_lr_kind;
typedef struct senet_lr_schedule {
    senet_lr_kind kind;
    double base_lr;
    double gamma;            /* multi-step factor (0.1) */
    int milestones[8];       /* multi-step epochs, increasing */
    int num_milestones;
    double total_epochs;     /* cosine length */
    double min_lr;           /* cosine floor */
    double warmup_epochs;    /* 0: none */
    double warmup_start;     /* warm-up starts at base_lr * this */
} senet_lr_schedule;
/* NaN for a NULL schedule. */
SENET_API double senet_lr_at(const senet_lr_schedule *schedule, double epoch);

/* ---- Checkpoints ----
 * Weights, BN statistics, the SGD momentum buffer, the dropout RNG and the
 * training position, in one safetensors file written atomically (temporary
 * file, fsync, rename). Loading checks that the file was written for the
 * same architecture and options. */
typedef struct senet_checkpoint_info {
    int64_t epoch;       /* epochs completed */
    int64_t step;        /* optimizer steps taken */
    int64_t batch;       /* batches done in the current epoch */
    uint64_t seed;       /* the run's seed (data order, augmentation) */
    char note[256];      /* free text, e.g. the command that made it */
} senet_checkpoint_info;

/* SENET_ERR_NUMERIC, writing nothing, when a weight, a BN statistic or the
 * momentum is NaN or infinite: a checkpoint is the run's last good state. */
SENET_API int senet_checkpoint_save(const senet_net *net, const char *path, const senet_checkpoint_info *info);
SENET_API int senet_checkpoint_load(senet_net *net, const char *path, senet_checkpoint_info *info);

/* ---- Model files: what a weights file says about itself ----
 * senet_net_save and senet_checkpoint_save write the net's configuration
 * into the file's safetensors "__metadata__" (string keys and values:
 * arch, num_classes, dropout, se_reduction, se_squeeze, se_gate, se_mode,
 * se_stages, se_bias, senet_version), followed by the entries attached
 * with senet_net_set_metadata: by convention class_names (one name per
 * line), input_size ("S" or "HxW"), normalize (a preset name) and command.
 * README "Model files" lists them, so other tools can write them too. */

/* Attaches KEY = VALUE (UTF-8) to the files the net is saved to; VALUE NULL
 * removes KEY. SENET_ERR_ARGUMENT for a key the configuration writes, an
 * empty key, or more than 32 entries. */
SENET_API int senet_net_set_metadata(senet_net *net, const char *key, const char *value);

typedef struct senet_model_info {
    int has_config;          /* 1: the file names its architecture; config holds it */
    senet_config config;     /* the architecture's defaults overridden by the file's keys */
    int input_h, input_w;    /* "input_size"; 0 when absent */
    char normalize[16];      /* "normalize"; "" when absent */
    int num_class_names;     /* lines of "class_names"; 0 when absent */
    int classifier_outputs;  /* rows of last_linear.weight; 0 when the file has none */
    int is_checkpoint;       /* written by senet_checkpoint_save */
} senet_model_info;

/* Reads PATH's metadata (not its weights). A file without any, PyTorch's,
 * gives has_config 0. SENET_ERR_FORMAT, naming the key, for a value that
 * is not valid (an unknown architecture, class names that are not
 * num_classes lines). */
SENET_API int senet_model_info_read(const char *path, senet_model_info *info);

/* The metadata value of KEY in PATH, NUL-terminated, into buf (size bytes);
 * *length gets its length without the NUL. size 0 (buf may be NULL) only
 * asks for the length. SENET_ERR_ARGUMENT when the file has no such key
 * (*length 0), SENET_ERR_NOMEM when buf is too small. */
SENET_API int senet_model_metadata(const char *path, const char *key, char *buf, size_t size, size_t *length);

/* ---- Description ---- */
SENET_API size_t senet_net_num_params(const senet_net *net); /* trainable scalars */

typedef struct senet_stage_info {
    char name[16];   /* "layer0" (stem) ... "layer4", "head" */
    int blocks;
    int out_channels, out_h, out_w;
    size_t params;
    uint64_t macs;
} senet_stage_info;
/* Multiply-adds of one image of h x w, in total and per stage.
 * stages may be NULL; otherwise it has room for 6 entries; *num_stages gets the count. */
SENET_API int senet_net_describe(const senet_net *net, int h, int w, uint64_t *macs,
                                 senet_stage_info *stages, int *num_stages);

/* ---- Profiling ----
 * Where a net's time goes: with profiling on, every forward and backward
 * adds each layer's wall time to that layer's row (two clock reads per
 * layer). A layer that also does the layers after it (an inference
 * convolution with its folded BN and ReLU, a training BN with its ReLU)
 * has one row for all of them, named after the first. */
typedef struct senet_layer_profile {
    char name[80];        /* e.g. "layer1.0.conv1", "layer1.0.se_module", "layer1.0.relu" */
    char op[64];          /* what ran, e.g. "conv 3x3/1 winograd +bn+relu", "bn+relu", "add+relu" */
    int stage;            /* 0 stem, 1..4, 5 head */
    uint64_t macs;        /* multiply-adds per image of the last run's size */
    double forward_ms, backward_ms; /* summed over the calls */
    long forward_calls, backward_calls;
} senet_layer_profile;
/* on: clears the rows and starts counting; 0: stops (the rows stay). */
SENET_API int senet_net_set_profiling(senet_net *net, int on);
/* The rows of the layers that ran since profiling started, in layer order:
 * up to capacity of them into rows (which may be NULL when capacity is 0),
 * *count gets how many there are. */
SENET_API int senet_net_profile(const senet_net *net, senet_layer_profile *rows, int capacity, int *count);

/* ---- Excitations (TPAMI section 7, "Role of excitation") ----
 * An SE block's excitation is its gate s (N, C): the values, one per image
 * and channel, that scale the block's channels. With capture on, every
 * eval-mode senet_net_forward keeps each SE block's gates for all the images
 * of that call; off (the default) it costs nothing. */
typedef struct senet_se_block {
    char name[80];  /* the state-dict prefix, e.g. "layer3.2.se_module" */
    int stage;      /* 1..4 (layer1 ... layer4); the paper numbers them 2..5, the stem being 1 */
    int block;      /* the residual block's index in its stage, from 0 */
    int channels;   /* C: gates per image */
} senet_se_block;
/* SE blocks of the net, in depth order (0 for a net without SE; 0 for NULL). */
SENET_API int senet_net_num_se_blocks(const senet_net *net);
SENET_API int senet_net_se_block(const senet_net *net, int index, senet_se_block *info);
/* The index of the block whose name is `name` (SENET_ERR_ARGUMENT when none is). */
SENET_API int senet_net_find_se_block(const senet_net *net, const char *name, int *index);
/* on: keep the gates of the following eval-mode forwards (SENET_ERR_STATE
 * for a net without SE); 0: stop and free them. */
SENET_API int senet_net_set_excitation_capture(senet_net *net, int on);
/* Block `index`'s gates (n, C) from the last eval-mode senet_net_forward,
 * n being that call's batch; valid until the next forward or until capture
 * is turned off. SENET_ERR_STATE when capture is off or no forward has run. */
SENET_API int senet_net_excitations(const senet_net *net, int index, const float **gates, int *n);
/* Eval mode runs the SE blocks of these stages (bit s-1: stage s) as
 * identity, gate 1, with no other change: the ablation of removing SE from
 * a trained net. 0 switches every block on again. Training refuses to run
 * while any is off (SENET_ERR_STATE). SENET_ERR_ARGUMENT for a stage
 * without SE blocks. */
SENET_API int senet_net_set_se_off(senet_net *net, unsigned stages);

/* The named tensors of the state dict (parameters and BN statistics). */
SENET_API int senet_net_num_tensors(const senet_net *net);
SENET_API const char *senet_net_tensor_name(const senet_net *net, int index);

#ifdef __cplusplus
}
#endif
#endif
