/* Model files that describe themselves: the configuration keys every saved
 * file carries, the entries attached to a net, and reading them back.
 *
 * Values are strings (safetensors metadata is string to string) in the
 * spelling of the CLI's options (se_squeeze "avg", se_stages "1,2,3"), so a
 * PyTorch user can write them with safetensors.torch.save_file(...,
 * metadata={...}) and read them without senet's enums. */
#include "model_meta.h"

#include "../base/status.h"
#include "../models/net.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const squeeze_names[] = {"avg", "max"};
static const char *const gate_names[] = {"sigmoid", "tanh", "relu"};
static const char *const mode_names[] = {"standard", "pre", "post", "identity"};

/* Keys the configuration (and a checkpoint's position) write: a caller may
 * not attach them, or a file would say two things about one fact. */
static const char *const reserved_keys[] = {"arch",     "num_classes", "dropout", "se_reduction", "se_squeeze",
                                            "se_gate",  "se_mode",     "se_stages", "se_bias",    "senet_version",
                                            "format",   "config",      "epoch",   "step",         "batch",
                                            "seed",     "dropout_rng", "note"};

#define CHECKPOINT_FORMAT_NAME "senet-checkpoint-1"

static int is_reserved(const char *key)
{
    for (size_t i = 0; i < sizeof reserved_keys / sizeof *reserved_keys; i++)
        if (strcmp(key, reserved_keys[i]) == 0)
            return 1;
    return 0;
}

static void format_stages(unsigned mask, char *buf, size_t size)
{
    if (!mask) {
        snprintf(buf, size, "none");
        return;
    }
    size_t len = 0;
    buf[0] = '\0';
    for (int s = 1; s <= 4 && len + 3 < size; s++)
        if (mask & (1u << (s - 1)))
            len += (size_t)snprintf(buf + len, size - len, len ? ",%d" : "%d", s);
}

void model_meta_collect(const senet_net *net, const char *const *skip, int num_skip, model_meta_list *out)
{
    const senet_config *c = &net->cfg;
    memset(out, 0, sizeof *out);
    snprintf(out->text[0], sizeof out->text[0], "%d", c->num_classes);
    snprintf(out->text[1], sizeof out->text[1], "%.9g", (double)c->dropout);
    snprintf(out->text[2], sizeof out->text[2], "%d", c->se.reduction);
    format_stages(c->se.stages, out->text[3], sizeof out->text[3]);
    const char *keys[] = {"arch", "num_classes", "dropout", "se_reduction", "se_squeeze", "se_gate",
                          "se_mode", "se_stages", "se_bias", "senet_version"};
    const char *values[] = {c->arch, out->text[0], out->text[1], out->text[2], squeeze_names[c->se.squeeze],
                            gate_names[c->se.gate], mode_names[c->se.mode], out->text[3], c->se.bias ? "1" : "0",
                            SENET_VERSION};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        out->keys[out->count] = keys[i];
        out->values[out->count++] = values[i];
    }
    for (int i = 0; i < net->meta_count; i++) {
        int skipped = 0;
        for (int j = 0; j < num_skip && !skipped; j++)
            skipped = strcmp(net->meta_keys[i], skip[j]) == 0;
        if (!skipped) {
            out->keys[out->count] = net->meta_keys[i];
            out->values[out->count++] = net->meta_values[i];
        }
    }
}

int net_set_metadata(senet_net *net, const char *key, const char *value)
{
    if (!*key || is_reserved(key))
        return senet_fail(SENET_ERR_ARGUMENT, "senet_net_set_metadata: the key '%s' is %s", key,
                          *key ? "written from the net's configuration" : "empty");
    int at = -1;
    for (int i = 0; i < net->meta_count && at < 0; i++)
        if (strcmp(net->meta_keys[i], key) == 0)
            at = i;
    if (!value) {
        if (at >= 0) {
            free(net->meta_keys[at]);
            free(net->meta_values[at]);
            net->meta_count--;
            memmove(net->meta_keys + at, net->meta_keys + at + 1, (size_t)(net->meta_count - at) * sizeof(char *));
            memmove(net->meta_values + at, net->meta_values + at + 1, (size_t)(net->meta_count - at) * sizeof(char *));
        }
        return SENET_OK;
    }
    if (at < 0 && net->meta_count >= MODEL_META_MAX_EXTRA)
        return senet_fail(SENET_ERR_ARGUMENT, "senet_net_set_metadata: a net carries at most %d entries",
                          MODEL_META_MAX_EXTRA);
    /* Everything that can fail first, so a failed call changes nothing. */
    if (!net->meta_keys) {
        net->meta_keys = calloc(MODEL_META_MAX_EXTRA, sizeof(char *));
        net->meta_values = calloc(MODEL_META_MAX_EXTRA, sizeof(char *));
        if (!net->meta_keys || !net->meta_values) {
            free(net->meta_keys);
            free(net->meta_values);
            net->meta_keys = net->meta_values = NULL;
            return senet_fail(SENET_ERR_NOMEM, "out of memory");
        }
    }
    char *v = strdup(value), *k = at < 0 ? strdup(key) : NULL;
    if (!v || (at < 0 && !k)) {
        free(v);
        free(k);
        return senet_fail(SENET_ERR_NOMEM, "out of memory");
    }
    if (at >= 0) {
        free(net->meta_values[at]);
        net->meta_values[at] = v;
    } else {
        net->meta_keys[net->meta_count] = k;
        net->meta_values[net->meta_count++] = v;
    }
    return SENET_OK;
}

void net_metadata_free(senet_net *net)
{
    for (int i = 0; i < net->meta_count; i++) {
        free(net->meta_keys[i]);
        free(net->meta_values[i]);
    }
    free(net->meta_keys);
    free(net->meta_values);
    net->meta_keys = net->meta_values = NULL;
    net->meta_count = 0;
}

int model_meta_stage(const safetensors_file *f, model_meta_staged *out)
{
    memset(out, 0, sizeof *out);
    out->keys = calloc(MODEL_META_MAX_EXTRA, sizeof(char *));
    out->values = calloc(MODEL_META_MAX_EXTRA, sizeof(char *));
    if (!out->keys || !out->values) {
        model_meta_staged_free(out);
        return senet_fail(SENET_ERR_NOMEM, "out of memory");
    }
    for (int i = 0; i < safetensors_metadata_count(f) && out->count < MODEL_META_MAX_EXTRA; i++) {
        const char *key = safetensors_metadata_key(f, i);
        if (!*key || is_reserved(key))
            continue;
        out->keys[out->count] = strdup(key);
        out->values[out->count] = strdup(safetensors_metadata_get(f, key));
        if (!out->keys[out->count] || !out->values[out->count]) {
            out->count++;
            model_meta_staged_free(out);
            return senet_fail(SENET_ERR_NOMEM, "out of memory");
        }
        out->count++;
    }
    return SENET_OK;
}

void model_meta_staged_free(model_meta_staged *staged)
{
    for (int i = 0; staged->keys && i < staged->count; i++) {
        free(staged->keys[i]);
        free(staged->values ? staged->values[i] : NULL);
    }
    free(staged->keys);
    free(staged->values);
    memset(staged, 0, sizeof *staged);
}

void model_meta_commit(senet_net *net, model_meta_staged *staged)
{
    net_metadata_free(net);
    net->meta_keys = staged->keys;
    net->meta_values = staged->values;
    net->meta_count = staged->count;
    memset(staged, 0, sizeof *staged);
}

/* ---- Reading ---- */

static int bad_value(const safetensors_file *f, const char *key, const char *value, const char *want)
{
    return senet_fail(SENET_ERR_FORMAT, "%s: metadata '%s' is '%s', not %s", safetensors_path(f), key, value, want);
}

static int parse_int(const char *text, long lo, long hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

static int parse_name(const char *text, const char *const *names, int count, int *out)
{
    for (int i = 0; i < count; i++)
        if (strcmp(text, names[i]) == 0) {
            *out = i;
            return 0;
        }
    return -1;
}

static int parse_stages(const char *text, unsigned *mask)
{
    if (strcmp(text, "none") == 0 || strcmp(text, "all") == 0) {
        *mask = text[0] == 'n' ? 0 : SENET_SE_ALL_STAGES;
        return 0;
    }
    unsigned m = 0;
    for (const char *p = text; *p; p += p[1] ? 2 : 1) {
        if (*p < '1' || *p > '4' || (p[1] && (p[1] != ',' || !p[2])))
            return -1;
        m |= 1u << (*p - '1');
    }
    *mask = m;
    return *text ? 0 : -1;
}

/* "S" or "HxW", positive. */
static int parse_input_size(const char *text, int *h, int *w)
{
    char extra;
    if (sscanf(text, "%dx%d%c", h, w, &extra) == 2 && *h > 0 && *w > 0 && strchr(text, 'x'))
        return 0;
    if (sscanf(text, "%d%c", h, &extra) == 1 && *h > 0 && !strchr(text, 'x')) {
        *w = *h;
        return 0;
    }
    return -1;
}

static int count_lines(const char *text)
{
    if (!*text)
        return 0;
    int lines = 1;
    for (const char *p = text; *p; p++)
        if (*p == '\n' && p[1])
            lines++;
    return lines;
}

/* Checkpoints written before the configuration keys existed have only
 * "config" (checkpoint.c's describe_config); the runs they belong to must
 * still resume, so that string is read too. */
static int parse_old_config(const char *text, senet_config *c)
{
    char arch[32];
    int classes, reduction, squeeze, gate, mode, bias;
    unsigned stages;
    if (sscanf(text, "%31s classes=%d se_reduction=%d se_squeeze=%d se_gate=%d se_mode=%d se_stages=0x%x se_bias=%d",
               arch, &classes, &reduction, &squeeze, &gate, &mode, &stages, &bias) != 8)
        return -1;
    if (senet_config_default(arch, c) != SENET_OK || squeeze < 0 || squeeze > 1 || gate < 0 || gate > 2 || mode < 0 ||
        mode > 3)
        return -1;
    c->num_classes = classes;
    c->se.reduction = reduction;
    c->se.squeeze = (senet_squeeze)squeeze;
    c->se.gate = (senet_gate)gate;
    c->se.mode = (senet_se_mode)mode;
    c->se.stages = stages;
    c->se.bias = bias;
    return 0;
}

int model_meta_parse(const safetensors_file *f, senet_model_info *info)
{
    memset(info, 0, sizeof *info);
    const st_tensor *head = safetensors_find(f, "last_linear.weight");
    if (head && head->ndim == 2 && head->shape[0] > 0 && head->shape[0] <= 1000000)
        info->classifier_outputs = (int)head->shape[0];
    const char *format = safetensors_metadata_get(f, "format");
    info->is_checkpoint = format && strcmp(format, CHECKPOINT_FORMAT_NAME) == 0;
    const char *v, *arch = safetensors_metadata_get(f, "arch");
    senet_config *c = &info->config;
    if (arch) {
        if (senet_config_default(arch, c) != SENET_OK)
            return bad_value(f, "arch", arch, "an architecture senet knows (see 'senet info --list')");
        info->has_config = 1;
        c->num_classes = info->classifier_outputs ? info->classifier_outputs : c->num_classes;
    } else if ((v = safetensors_metadata_get(f, "config")) && info->is_checkpoint) {
        if (parse_old_config(v, c))
            return bad_value(f, "config", v, "a configuration senet wrote");
        info->has_config = 1;
    }
    int n;
    if ((v = safetensors_metadata_get(f, "num_classes"))) {
        if (parse_int(v, 1, 1000000, &n))
            return bad_value(f, "num_classes", v, "a count of 1..1000000");
        c->num_classes = n;
    }
    if ((v = safetensors_metadata_get(f, "dropout"))) {
        char *end;
        double d = strtod(v, &end);
        if (end == v || *end || !(d >= 0 && d < 1))
            return bad_value(f, "dropout", v, "a probability in [0, 1)");
        c->dropout = (float)d;
    }
    if ((v = safetensors_metadata_get(f, "se_reduction"))) {
        if (parse_int(v, 1, 1 << 16, &n))
            return bad_value(f, "se_reduction", v, "a positive integer");
        c->se.reduction = n;
    }
    if ((v = safetensors_metadata_get(f, "se_squeeze"))) {
        if (parse_name(v, squeeze_names, 2, &n))
            return bad_value(f, "se_squeeze", v, "avg or max");
        c->se.squeeze = (senet_squeeze)n;
    }
    if ((v = safetensors_metadata_get(f, "se_gate"))) {
        if (parse_name(v, gate_names, 3, &n))
            return bad_value(f, "se_gate", v, "sigmoid, tanh or relu");
        c->se.gate = (senet_gate)n;
    }
    if ((v = safetensors_metadata_get(f, "se_mode"))) {
        if (parse_name(v, mode_names, 4, &n))
            return bad_value(f, "se_mode", v, "standard, pre, post or identity");
        c->se.mode = (senet_se_mode)n;
    }
    if ((v = safetensors_metadata_get(f, "se_stages")) && parse_stages(v, &c->se.stages))
        return bad_value(f, "se_stages", v, "stage numbers 1-4 separated by commas, 'all' or 'none'");
    if ((v = safetensors_metadata_get(f, "se_bias"))) {
        if (parse_int(v, 0, 1, &n))
            return bad_value(f, "se_bias", v, "0 or 1");
        c->se.bias = n;
    }
    if ((v = safetensors_metadata_get(f, "input_size")) && parse_input_size(v, &info->input_h, &info->input_w))
        return bad_value(f, "input_size", v, "S or HxW");
    if ((v = safetensors_metadata_get(f, "normalize"))) {
        if (!*v || strlen(v) >= sizeof info->normalize)
            return bad_value(f, "normalize", v, "a normalisation name (imagenet, caffe, cifar, mnist, unit)");
        snprintf(info->normalize, sizeof info->normalize, "%s", v);
    }
    if ((v = safetensors_metadata_get(f, "class_names"))) {
        info->num_class_names = count_lines(v);
        if (info->has_config && info->num_class_names != c->num_classes) {
            char want[64];
            snprintf(want, sizeof want, "%d names, one a line (num_classes)", c->num_classes);
            return senet_fail(SENET_ERR_FORMAT, "%s: metadata 'class_names' has %d lines, not %s",
                              safetensors_path(f), info->num_class_names, want);
        }
    }
    if (!info->has_config)
        memset(c, 0, sizeof *c);
    return SENET_OK;
}

int senet_model_info_read(const char *path, senet_model_info *info)
{
    if (!path || !info)
        return senet_fail(SENET_ERR_ARGUMENT, "senet_model_info_read: path or info is NULL");
    safetensors_file *f = NULL;
    TRY(safetensors_open(path, &f));
    senet_model_info read;
    int status = model_meta_parse(f, &read);
    safetensors_close(f);
    if (!status)
        *info = read;
    return status;
}

int senet_model_metadata(const char *path, const char *key, char *buf, size_t size, size_t *length)
{
    if (!path || !key || !length || (size && !buf))
        return senet_fail(SENET_ERR_ARGUMENT, "senet_model_metadata: a required pointer argument is NULL");
    *length = 0;
    safetensors_file *f = NULL;
    TRY(safetensors_open(path, &f));
    const char *v = safetensors_metadata_get(f, key);
    int status = SENET_OK;
    if (!v) {
        status = senet_fail(SENET_ERR_ARGUMENT, "%s: no metadata '%s'", path, key);
    } else {
        *length = strlen(v);
        if (size && *length >= size)
            status = senet_fail(SENET_ERR_NOMEM, "%s: metadata '%s' needs %zu bytes, the buffer has %zu", path, key,
                                *length + 1, size);
        else if (size)
            memcpy(buf, v, *length + 1);
    }
    safetensors_close(f);
    return status;
}
