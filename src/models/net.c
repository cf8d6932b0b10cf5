/* The public network API: configuration, creation, initialisation,
 * inference, training forward/backward and description. */
#include "net.h"
#include "../io/model_meta.h"

#include "../base/alloc.h"
#include "../base/scratch.h"
#include "../base/status.h"
#include "../base/threads.h"
#include "../ops/loss.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int senet_config_default(const char *arch, senet_config *cfg)
{
    if (!cfg)
        return senet_fail(SENET_ERR_ARGUMENT, "senet_config_default: cfg is NULL");
    const arch_row *a = arch ? arch_find(arch) : NULL;
    if (!a)
        return senet_fail(SENET_ERR_ARGUMENT, "unknown architecture '%s' (see 'senet info --list')", arch ? arch : "(null)");
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->arch, sizeof cfg->arch, "%s", a->name);
    cfg->num_classes = a->num_classes;
    cfg->dropout = a->dropout;
    cfg->se.reduction = 16;
    cfg->se.squeeze = SENET_SQUEEZE_AVG;
    cfg->se.gate = SENET_GATE_SIGMOID;
    cfg->se.mode = SENET_SE_STANDARD;
    cfg->se.stages = a->has_se ? (1u << a->num_stages) - 1 : 0;
    cfg->se.bias = 1;
    return SENET_OK;
}

int senet_arch_input_size(const char *arch)
{
    const arch_row *a = arch ? arch_find(arch) : NULL;
    return a ? a->input_size : 0;
}

const char *const *senet_arch_names(void)
{
    static const char *names[64];
    if (!names[0]) {
        int i = 0;
        for (const arch_row *a = arch_table; a->name && i < 63; a++)
            names[i++] = a->name;
    }
    return names;
}

static int check_config(const senet_config *cfg, const arch_row *a)
{
    const senet_se_options *se = &cfg->se;
    if (cfg->num_classes < 1 || cfg->num_classes > 1000000)
        return senet_fail(SENET_ERR_ARGUMENT, "number of classes %d is out of range (1..1000000)", cfg->num_classes);
    if (!(cfg->dropout >= 0 && cfg->dropout < 1))
        return senet_fail(SENET_ERR_ARGUMENT, "dropout %g is out of range [0, 1)", cfg->dropout);
    if (se->reduction < 1)
        return senet_fail(SENET_ERR_ARGUMENT, "SE reduction %d must be at least 1", se->reduction);
    if ((unsigned)se->squeeze > SENET_SQUEEZE_MAX || (unsigned)se->gate > SENET_GATE_RELU ||
        (unsigned)se->mode > SENET_SE_IDENTITY)
        return senet_fail(SENET_ERR_ARGUMENT, "unknown SE squeeze, gate or mode value");
    if (se->stages != SENET_SE_ALL_STAGES && se->stages >> a->num_stages)
        return senet_fail(SENET_ERR_ARGUMENT, "%s has %d stages; SE stages mask 0x%x names others", a->name,
                          a->num_stages, se->stages);
    return SENET_OK;
}

int senet_net_create(const senet_config *cfg, senet_net **out)
{
    if (!cfg || !out)
        return senet_fail(SENET_ERR_ARGUMENT, "senet_net_create: cfg or out is NULL");
    *out = NULL;
    const arch_row *a = arch_find(cfg->arch);
    if (!a)
        return senet_fail(SENET_ERR_ARGUMENT, "unknown architecture '%s'", cfg->arch);
    TRY(check_config(cfg, a));
    senet_net *net = calloc(1, sizeof *net);
    if (!net)
        return senet_fail(SENET_ERR_NOMEM, "out of memory");
    net->cfg = *cfg;
    net->arch = a;
    net->frozen_boundary = -1; /* nothing frozen (net_finetune.c) */
    if (net->cfg.se.stages == SENET_SE_ALL_STAGES)
        net->cfg.se.stages = (1u << a->num_stages) - 1;
    int status = net_build(net);
    if (status == SENET_OK) {
        net->params = aligned_calloc_checked(net->num_params, sizeof(float));
        net->buffers = aligned_calloc_checked(net->num_buffers ? net->num_buffers : 1, sizeof(float));
        net->counters = aligned_calloc_checked(net->num_counters ? net->num_counters : 1, sizeof(int64_t));
        net->saved_buffers = aligned_calloc_checked(net->num_buffers ? net->num_buffers : 1, sizeof(float));
        net->saved_counters = aligned_calloc_checked(net->num_counters ? net->num_counters : 1, sizeof(int64_t));
        if (!net->params || !net->buffers || !net->counters || !net->saved_buffers || !net->saved_counters)
            status = senet_fail(SENET_ERR_NOMEM, "cannot allocate the %zu parameters of %s", net->num_params, cfg->arch);
    }
    if (status == SENET_OK)
        status = net_init(net, 0);
    if (status != SENET_OK) {
        senet_net_free(net);
        return status;
    }
    *out = net;
    return SENET_OK;
}

void senet_net_free(senet_net *net)
{
    if (!net)
        return;
    net_release_run(net);
    net_infer_free(net);
    net_excite_free(net);
    free(net->profile);
    scratch_release();
    plan_free(&net->eval_plan);
    plan_free(&net->train_plan);
    free(net->layers);
    free(net->acts);
    free(net->entries);
    aligned_free(net->params);
    aligned_free(net->grads);
    aligned_free(net->momentum);
    aligned_free(net->buffers);
    aligned_free(net->counters);
    aligned_free(net->saved_buffers);
    aligned_free(net->saved_counters);
    net_metadata_free(net);
    free(net);
}

/* Random fills run in chunks, each from its own stream seeded by (seed, tensor,
 * chunk): the result depends on the seed only, not on the thread count, and
 * initialising SENet-154's 115M weights takes a fraction of a second. */
#define INIT_CHUNK 65536

typedef enum fill_kind { FILL_NORMAL, FILL_UNIFORM } fill_kind;

static void fill_random(float *p, size_t count, fill_kind kind, double scale, uint64_t seed, int entry)
{
    size_t chunks = (count + INIT_CHUNK - 1) / INIT_CHUNK;
#pragma omp parallel for num_threads(threads_get()) schedule(static) if (chunks > 1)
    for (size_t c = 0; c < chunks; c++) {
        rng r;
        rng_seed(&r, seed ^ ((uint64_t)(entry + 1) << 32) ^ (c * 0x9e3779b97f4a7c15ULL));
        size_t end = (c + 1) * INIT_CHUNK < count ? (c + 1) * INIT_CHUNK : count;
        for (size_t i = c * INIT_CHUNK; i < end; i++)
            p[i] = (float)(scale * (kind == FILL_NORMAL ? rng_normal(&r) : 2 * rng_uniform(&r) - 1));
    }
}

/* Kaiming normal with fan_out = C_out * KH * KW, as torchvision initialises ResNets. */
static void kaiming_fan_out(senet_net *net, int entry, uint64_t seed)
{
    const param_entry *e = &net->entries[entry];
    double fan_out = (double)e->shape[0] * e->shape[2] * e->shape[3];
    fill_random(net_tensor_f32(net, entry), e->numel, FILL_NORMAL, sqrt(2.0 / fan_out), seed, entry);
}

int net_init(senet_net *net, uint64_t seed)
{
    net_weights_replaced(net);
    rng_seed(&net->dropout_rng, seed ^ 0x5eed5eedULL);
    memset(net->params, 0, net->num_params * sizeof(float));
    memset(net->counters, 0, net->num_counters * sizeof(int64_t));
    aligned_free(net->momentum);
    net->momentum = NULL;
    for (int i = 0; i < net->num_layers; i++) {
        const layer *l = &net->layers[i];
        switch (l->kind) {
        case LAYER_CONV:
            kaiming_fan_out(net, l->weight, seed);
            break;
        case LAYER_SE:
            kaiming_fan_out(net, l->fc1_weight, seed);
            kaiming_fan_out(net, l->fc2_weight, seed);
            break;
        case LAYER_BN: {
            size_t c = (size_t)l->c_in;
            float *gamma = net_tensor_f32(net, l->bn_gamma), *var = net_tensor_f32(net, l->running_var);
            memset(net_tensor_f32(net, l->running_mean), 0, c * sizeof(float));
            for (size_t j = 0; j < c; j++)
                gamma[j] = var[j] = 1;
            break;
        }
        case LAYER_LINEAR: {
            /* torch.nn.Linear's default: U(-1/sqrt(in), 1/sqrt(in)) for weight and bias. */
            double bound = 1 / sqrt((double)l->c_in);
            fill_random(net_tensor_f32(net, l->weight), net->entries[l->weight].numel, FILL_UNIFORM, bound, seed,
                        l->weight);
            fill_random(net_tensor_f32(net, l->bias), net->entries[l->bias].numel, FILL_UNIFORM, bound, seed, l->bias);
            break;
        }
        default:
            break;
        }
    }
    return SENET_OK;
}

/* (n, 3, h, w) -> the net's input activation (n, h, w, 3). */
static void load_input_nchw(senet_net *net, const float *input, int n, int h, int w)
{
    real *dst = net->acts[net->input_act].data;
    size_t hw = (size_t)h * w;
    for (int b = 0; b < n; b++)
        for (int c = 0; c < 3; c++)
            for (size_t p = 0; p < hw; p++)
                dst[((size_t)b * hw + p) * 3 + c] = input[((size_t)b * 3 + c) * hw + p];
}

/* Everything about a batch that can be wrong is found here, before the
 * call changes anything in the net (net_prepare would drop its buffers). */
/* A NaN or infinity in the input would spread through every later layer
 * (batch norm's statistics in training) and, through max pooling or a
 * ReLU, can even come out as finite, confident logits; PyTorch gives NaN.
 * One read of the input, summed so that the loop vectorises (x - x is 0
 * for a finite x and NaN otherwise); the position is looked for only when
 * the sum says there is one. */
static int check_finite_input(const float *input, int n, int h, int w)
{
    size_t count = (size_t)n * 3 * h * w;
    float acc = 0;
    for (size_t i = 0; i < count; i++)
        acc += input[i] - input[i];
    if (acc == 0)
        return SENET_OK;
    for (size_t i = 0; i < count; i++)
        if (!isfinite(input[i])) {
            size_t plane = (size_t)h * w, at = i % plane;
            return senet_fail(SENET_ERR_ARGUMENT, "input image %zu, channel %zu, row %zu, column %zu is %g: inputs must be finite",
                              i / (3 * plane), i / plane % 3, at / (size_t)w, at % (size_t)w, input[i]);
        }
    return SENET_OK;
}

static int check_batch(const senet_net *net, const float *input, int n, int h, int w)
{
    if (!input)
        return senet_fail(SENET_ERR_ARGUMENT, "no input");
    if (n < 1 || h < 32 || w < 32)
        return senet_fail(SENET_ERR_SHAPE, "input (%d, 3, %d, %d): %s needs a batch of at least 1 and images of at least 32x32",
                          n, h, w, net->cfg.arch);
    if (n > (1 << 20))
        return senet_fail(SENET_ERR_ARGUMENT, "batch size %d is out of range (1..%d)", n, 1 << 20);
    if (h != net->run_h || w != net->run_w) { /* a size that has not run yet */
        int *hs = calloc((size_t)net->num_acts * 2, sizeof(int));
        if (!hs)
            return senet_fail(SENET_ERR_NOMEM, "out of memory");
        int status = net_propagate_shapes(net, h, w, hs, hs + net->num_acts);
        free(hs);
        TRY(status);
    }
    return check_finite_input(input, n, h, w);
}

int net_eval_forward(senet_net *net, const float *input, int n, int h, int w, float *logits)
{
    TRY(check_batch(net, input, n, h, w));
    net->logits_valid = 0; /* senet_net_last_logits is for training steps */
    int per_pass = net_images_per_pass(net, n, h, w), k = net->cfg.num_classes;
    size_t image = (size_t)3 * h * w;
    TRY(net_excite_begin(net, n));
    for (int first = 0; first < n; first += per_pass) {
        int count = n - first < per_pass ? n - first : per_pass;
        TRY(net_prepare(net, count, h, w, 0)); /* a shorter last pass runs in the same buffers */
        load_input_nchw(net, input + first * image, count, h, w);
        TRY(plan_forward(net, 0));
        memcpy(logits + (size_t)first * k, net->acts[net->logits_act].data, (size_t)count * k * sizeof(float));
        net_excite_record(net, first, count);
    }
    net_excite_done(net, n);
    return SENET_OK;
}

/* The training pass of net_train_step, whose failures after the forward
 * has begun it undoes. */
static int train_pass(senet_net *net, const float *input, const int64_t *labels, int n, int h, int w,
                      float label_smoothing, float *loss)
{
    int k = net->cfg.num_classes;
    TRY(net_prepare(net, n, h, w, 1));
    load_input_nchw(net, input, n, h, w);
    TRY(plan_forward(net, 1));
    TRY(net_replica_status(net));
    activation *logits = &net->acts[net->logits_act];
    memset(logits->grad, 0, (size_t)n * k * sizeof(real));
    double value = cross_entropy_forward_backward(logits->grad, logits->data, labels, n, k, label_smoothing);
    TRY(net_replica_loss(net, logits->grad, n, k, &value));
    *loss = (float)value;
    if (!isfinite(value))
        return senet_fail(SENET_ERR_NUMERIC, "the loss is %g", value);
    memset(net->grads, 0, net->num_params * sizeof(float));
    TRY(plan_backward(net));
    return net_replica_status(net);
}

int net_train_step(senet_net *net, const float *input, const int64_t *labels, int n, int h, int w,
                   float label_smoothing, float *loss)
{
    TRY(check_batch(net, input, n, h, w));
    TRY(net_check_not_frozen(net, "training"));
    if (net->se_off)
        return senet_fail(SENET_ERR_STATE, "SE blocks are switched off (senet_net_set_se_off), which is for "
                                           "evaluation only; switch them on again to train");
    int k = net->cfg.num_classes;
    for (int i = 0; i < n; i++)
        if (labels[i] < 0 || labels[i] >= k)
            return senet_fail(SENET_ERR_ARGUMENT, "label %lld of image %d is outside 0..%d", (long long)labels[i], i, k - 1);
    if (!(label_smoothing >= 0 && label_smoothing < 1))
        return senet_fail(SENET_ERR_ARGUMENT, "label smoothing %g is out of range [0, 1)", label_smoothing);
    TRY(net_ensure_grads(net));
    /* A step that fails (a NaN loss, a replica's sum, memory) puts back the
     * BN statistics and the dropout stream it moved, as if it never ran;
     * the weights move only in senet_sgd_step. */
    memcpy(net->saved_buffers, net->buffers, net->num_buffers * sizeof(float));
    memcpy(net->saved_counters, net->counters, net->num_counters * sizeof(int64_t));
    rng saved_rng = net->dropout_rng;
    net->logits_valid = 0;
    int status = train_pass(net, input, labels, n, h, w, label_smoothing, loss);
    if (status != SENET_OK) {
        memcpy(net->buffers, net->saved_buffers, net->num_buffers * sizeof(float));
        memcpy(net->counters, net->saved_counters, net->num_counters * sizeof(int64_t));
        net->dropout_rng = saved_rng;
        net_infer_invalidate(net);
        return status;
    }
    net->logits_valid = 1;
    return SENET_OK;
}

int net_ensure_grads(senet_net *net)
{
    if (!net->grads)
        net->grads = aligned_calloc_checked(net->num_params, sizeof(float));
    if (!net->grads)
        return senet_fail(SENET_ERR_NOMEM, "cannot allocate the gradients of the %zu parameters of %s",
                          net->num_params, net->cfg.arch);
    return SENET_OK;
}

int net_params(senet_net *net, float **params, float **grads, size_t *count)
{
    TRY(net_check_not_frozen(net, "senet_net_params"));
    TRY(net_ensure_grads(net));
    /* The caller may write the parameters through this pointer. */
    net_infer_invalidate(net);
    *params = net->params;
    *grads = net->grads;
    *count = net->num_params;
    return SENET_OK;
}

uint64_t net_layer_macs(const layer *l, int out_h, int out_w)
{
    switch (l->kind) {
    case LAYER_CONV:
        return (uint64_t)out_h * out_w * l->c_out * (l->c_in / l->groups) * l->kernel * l->kernel;
    case LAYER_SE:
        return 2ull * l->c_in * l->hidden;
    case LAYER_LINEAR:
        return (uint64_t)l->c_in * l->c_out;
    default:
        return 0;
    }
}

int senet_net_describe(const senet_net *net, int h, int w, uint64_t *macs, senet_stage_info *stages, int *num_stages)
{
    if (!net || !macs)
        return senet_fail(SENET_ERR_ARGUMENT, "senet_net_describe: net or macs is NULL");
    int *hs = calloc((size_t)net->num_acts * 2, sizeof(int));
    if (!hs)
        return senet_fail(SENET_ERR_NOMEM, "out of memory");
    int *ws = hs + net->num_acts;
    int status = net_propagate_shapes(net, h, w, hs, ws);
    if (status != SENET_OK) {
        free(hs);
        return status;
    }
    int count = net->arch->num_stages + 2;
    senet_stage_info info[6];
    memset(info, 0, sizeof info);
    for (int s = 0; s < count; s++) {
        int id = s == count - 1 ? 5 : s;
        snprintf(info[s].name, sizeof info[s].name, id == 0 ? "layer0" : id == 5 ? "head" : "layer%d", id);
        info[s].blocks = s >= 1 && s <= net->arch->num_stages ? net->arch->blocks[s - 1] : 0;
    }
    *macs = 0;
    for (int i = 0; i < net->num_layers; i++) {
        const layer *l = &net->layers[i];
        int s = l->stage == 5 ? count - 1 : l->stage;
        uint64_t m = net_layer_macs(l, hs[l->out], ws[l->out]);
        *macs += m;
        info[s].macs += m;
        info[s].out_channels = l->c_out;
        info[s].out_h = hs[l->out];
        info[s].out_w = ws[l->out];
    }
    for (int i = 0; i < net->num_entries; i++) {
        const param_entry *e = &net->entries[i];
        if (e->store == STORE_PARAM)
            info[e->stage == 5 ? count - 1 : e->stage].params += e->numel;
    }
    free(hs);
    if (stages)
        memcpy(stages, info, (size_t)count * sizeof *stages);
    if (num_stages)
        *num_stages = count;
    return SENET_OK;
}
