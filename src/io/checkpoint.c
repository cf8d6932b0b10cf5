/* Checkpoints: the state dict plus what an interrupted training run needs to
 * continue bit for bit — the momentum buffer, the dropout RNG state and the
 * position in the data — in a safetensors file whose metadata also records
 * the configuration, so that a checkpoint cannot be resumed into another net. */
#include "../models/net.h"

#include "../base/alloc.h"
#include "../base/status.h"
#include "model_meta.h"
#include "weights.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECKPOINT_FORMAT "senet-checkpoint-1"

/* The configuration as one string: equal strings, same net. */
static void describe_config(const senet_config *c, char *buf, size_t size)
{
    snprintf(buf, size, "%s classes=%d se_reduction=%d se_squeeze=%d se_gate=%d se_mode=%d se_stages=0x%x se_bias=%d",
             c->arch, c->num_classes, c->se.reduction, (int)c->se.squeeze, (int)c->se.gate, (int)c->se.mode,
             c->se.stages, c->se.bias);
}

static void format_rng(const rng *r, char *buf, size_t size)
{
    uint64_t spare_bits;
    memcpy(&spare_bits, &r->spare, sizeof spare_bits);
    snprintf(buf, size, "%016" PRIx64 "%016" PRIx64 "%016" PRIx64 "%016" PRIx64 "%016" PRIx64 "%d", r->s[0], r->s[1],
             r->s[2], r->s[3], spare_bits, r->has_spare);
}

static int parse_rng(const char *text, rng *r)
{
    uint64_t v[5];
    int spare;
    if (!text || strlen(text) != 81)
        return -1;
    for (int i = 0; i < 5; i++) {
        char part[17];
        memcpy(part, text + 16 * i, 16);
        part[16] = '\0';
        char *end;
        v[i] = strtoull(part, &end, 16);
        if (*end)
            return -1;
    }
    spare = text[80] - '0';
    if (spare != 0 && spare != 1)
        return -1;
    memcpy(r->s, v, sizeof r->s);
    memcpy(&r->spare, &v[4], sizeof r->spare);
    r->has_spare = spare;
    return 0;
}

/* A checkpoint is what a diverged run falls back to, so one holding a NaN or
 * an infinity (in a weight, a BN statistic or the momentum) is refused
 * rather than written over the last good one. */
static int check_finite(const senet_net *net, const char *path)
{
    senet_net *mut = (senet_net *)net; /* net_tensor_f32 only computes a pointer */
    for (int j = 0; j < net->num_entries; j++) {
        const param_entry *e = &net->entries[j];
        if (e->store == STORE_COUNTER)
            continue;
        const float *v = net_tensor_f32(mut, j);
        for (size_t i = 0; i < e->numel; i++)
            if (!isfinite(v[i]))
                return senet_fail(SENET_ERR_NUMERIC, "%s: not written: tensor '%s' holds %g", path, e->name, v[i]);
    }
    for (size_t i = 0; net->momentum && i < net->num_params; i++)
        if (!isfinite(net->momentum[i]))
            return senet_fail(SENET_ERR_NUMERIC, "%s: not written: the momentum buffer holds %g", path,
                              net->momentum[i]);
    return SENET_OK;
}

int net_checkpoint_save(const senet_net *net, const char *path, const senet_checkpoint_info *info)
{
    TRY(check_finite(net, path));
    char config[256], epoch[32], step[32], batch[32], seed[32], rng_text[96];
    describe_config(&net->cfg, config, sizeof config);
    snprintf(epoch, sizeof epoch, "%" PRId64, info->epoch);
    snprintf(step, sizeof step, "%" PRId64, info->step);
    snprintf(batch, sizeof batch, "%" PRId64, info->batch);
    snprintf(seed, sizeof seed, "%" PRIu64, info->seed);
    format_rng(&net->dropout_rng, rng_text, sizeof rng_text);
    const char *keys[] = {"format", "config", "epoch", "step", "batch", "seed", "dropout_rng", "note"};
    const char *values[] = {CHECKPOINT_FORMAT, config, epoch, step, batch, seed, rng_text, info->note};
    st_write_entry momentum = {CHECKPOINT_MOMENTUM, ST_F32, 1, {(int64_t)net->num_params}, net->momentum};
    return weights_save_metadata(net, path, &momentum, net->momentum ? 1 : 0, keys, values, 8);
}

static int parse_i64(const safetensors_file *f, const char *key, int64_t *out)
{
    const char *text = safetensors_metadata_get(f, key);
    char *end;
    if (!text || !*text)
        return senet_fail(SENET_ERR_FORMAT, "%s: checkpoint metadata has no '%s'", safetensors_path(f), key);
    long long v = strtoll(text, &end, 10);
    if (*end || v < 0)
        return senet_fail(SENET_ERR_FORMAT, "%s: checkpoint metadata '%s' is '%s', not a count", safetensors_path(f),
                          key, text);
    *out = v;
    return SENET_OK;
}

/* Everything is read and checked before weights_load_from, which changes
 * the net only once the state dict is right; *info only on success. */
int net_checkpoint_load(senet_net *net, const char *path, senet_checkpoint_info *out)
{
    safetensors_file *f = NULL;
    TRY(safetensors_open(path, &f));
    senet_checkpoint_info read, *info = &read;
    int status = SENET_OK;
    const char *format = safetensors_metadata_get(f, "format");
    const char *config = safetensors_metadata_get(f, "config");
    char ours[256];
    describe_config(&net->cfg, ours, sizeof ours);
    uint64_t seed = 0;
    rng dropout_rng;
    memset(info, 0, sizeof *info);
    if (!format || strcmp(format, CHECKPOINT_FORMAT) != 0)
        status = senet_fail(SENET_ERR_FORMAT, "%s: not a senet checkpoint (metadata format is '%s')", path,
                            format ? format : "absent");
    else if (!config || strcmp(config, ours) != 0)
        status = senet_fail(SENET_ERR_SHAPE, "%s: the checkpoint is of '%s', the net is '%s'", path,
                            config ? config : "?", ours);
    if (!status)
        status = parse_i64(f, "epoch", &info->epoch);
    if (!status)
        status = parse_i64(f, "step", &info->step);
    if (!status)
        status = parse_i64(f, "batch", &info->batch);
    const char *seed_text = safetensors_metadata_get(f, "seed");
    char *seed_end = NULL;
    if (!status && seed_text)
        seed = strtoull(seed_text, &seed_end, 10);
    if (!status && (!seed_text || !*seed_text || *seed_end))
        status = senet_fail(SENET_ERR_FORMAT, "%s: checkpoint metadata 'seed' is absent or malformed", path);
    if (!status && parse_rng(safetensors_metadata_get(f, "dropout_rng"), &dropout_rng))
        status = senet_fail(SENET_ERR_FORMAT, "%s: checkpoint metadata 'dropout_rng' is malformed", path);
    const st_tensor *m = status ? NULL : safetensors_find(f, CHECKPOINT_MOMENTUM);
    if (m && (m->ndim != 1 || (size_t)m->shape[0] != net->num_params))
        status = senet_fail(SENET_ERR_SHAPE, "%s: '%s' has %" PRId64 " values, the net has %zu parameters", path,
                            CHECKPOINT_MOMENTUM, m->ndim == 1 ? m->shape[0] : -1, net->num_params);
    float *momentum = NULL;
    if (!status && m) {
        momentum = aligned_alloc_checked(net->num_params * sizeof(float));
        status = momentum ? safetensors_read_f32(f, m, momentum, net->num_params)
                          : senet_fail(SENET_ERR_NOMEM, "no memory for the momentum buffer");
    }
    model_meta_staged meta = {0};
    if (!status)
        status = model_meta_stage(f, &meta);
    if (!status)
        status = weights_load_from(net, f);
    if (!status)
        model_meta_commit(net, &meta);
    model_meta_staged_free(&meta);
    if (!status) {
        aligned_free(net->momentum);
        net->momentum = momentum;
        momentum = NULL;
        net->dropout_rng = dropout_rng;
        info->seed = seed;
        const char *note = safetensors_metadata_get(f, "note");
        snprintf(info->note, sizeof info->note, "%s", note ? note : "");
        *out = read;
    }
    aligned_free(momentum);
    safetensors_close(f);
    return status;
}
