/* A net's state dict to and from safetensors: parameters and BN running
 * statistics as F32 (F16 and BF16 are read too), num_batches_tracked as an
 * I64 scalar, under the PyTorch state_dict names of the parameter table.
 * Loading is strict: a missing (num_batches_tracked aside), extra or
 * misshapen tensor is an error that names it, and nothing is changed in the net (weights, plan, frozen or not)
 * unless every tensor is right. Fine-tuning's backbone load is the same
 * but for the classifier, which the net keeps. */
#include "../models/net.h"

#include "../base/alloc.h"
#include "../base/status.h"
#include "model_meta.h"
#include "weights.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Tensors a weights file may carry beside the state dict and that loading
 * ignores: the losses of `senet step`, the optimizer state of a checkpoint. */
static int is_ignored_extra(const char *name)
{
    return strcmp(name, "loss") == 0 || strcmp(name, CHECKPOINT_MOMENTUM) == 0;
}

static void format_shape(char *buf, size_t size, int ndim, const int64_t *shape)
{
    int len = snprintf(buf, size, "(");
    for (int i = 0; i < ndim && len < (int)size; i++)
        len += snprintf(buf + len, size - (size_t)len, i ? ", %lld" : "%lld", (long long)shape[i]);
    if (len < (int)size)
        snprintf(buf + len, size - (size_t)len, ")");
}

static int check_entry(const safetensors_file *f, const param_entry *e, const st_tensor **out)
{
    const char *path = safetensors_path(f);
    char want[96], got[96];
    const st_tensor *t = safetensors_find(f, e->name);
    format_shape(want, sizeof want, e->ndim, e->shape);
    if (!t && e->store == STORE_COUNTER) {
        /* PyTorch before 0.4.1 saved no num_batches_tracked, and its
         * load_state_dict(strict=True) accepts such a file, leaving the
         * counter at 0: so does senet. */
        *out = NULL;
        return SENET_OK;
    }
    if (!t)
        return senet_fail(SENET_ERR_SHAPE, "%s: missing tensor '%s' of shape %s", path, e->name, want);
    int same = t->ndim == e->ndim;
    for (int i = 0; same && i < e->ndim; i++)
        same = t->shape[i] == e->shape[i];
    format_shape(got, sizeof got, t->ndim, t->shape);
    if (!same)
        return senet_fail(SENET_ERR_SHAPE, "%s: tensor '%s' has shape %s, %s expects %s", path, e->name, got,
                          "the architecture", want);
    int want_int = e->store == STORE_COUNTER;
    int is_int = t->dtype == ST_I64 || t->dtype == ST_I32;
    int is_float = t->dtype == ST_F32 || t->dtype == ST_F16 || t->dtype == ST_BF16 || t->dtype == ST_F64;
    if (want_int ? !is_int : !is_float)
        return senet_fail(SENET_ERR_FORMAT, "%s: tensor '%s' has dtype %s, expected %s", path, e->name,
                          st_dtype_name(t->dtype), want_int ? "I64" : "F32, F16 or BF16");
    *out = t;
    return SENET_OK;
}


/* keep_classifier: the net's classifier stays and the file's (any shape) is passed over. */
static int load_tensors(senet_net *net, const safetensors_file *f, int keep_classifier)
{
    const char *path = safetensors_path(f);
    int status = SENET_OK;
    /* Every file tensor must be one of ours. */
    for (int i = 0; i < safetensors_count(f) && status == SENET_OK; i++) {
        const st_tensor *t = safetensors_tensor(f, i);
        int known = is_ignored_extra(t->name);
        for (int j = 0; j < net->num_entries && !known; j++)
            known = strcmp(net->entries[j].name, t->name) == 0;
        if (!known) {
            char got[96];
            format_shape(got, sizeof got, t->ndim, t->shape);
            status = senet_fail(SENET_ERR_SHAPE, "%s: unexpected tensor '%s' of shape %s: %s has no such parameter",
                                path, t->name, got, net->cfg.arch);
        }
    }
    const st_tensor **found = calloc((size_t)net->num_entries, sizeof *found);
    if (!found && status == SENET_OK)
        status = senet_fail(SENET_ERR_NOMEM, "out of memory");
    for (int j = 0; j < net->num_entries && status == SENET_OK; j++)
        if (!(keep_classifier && net_entry_is_classifier(&net->entries[j])))
            status = check_entry(f, &net->entries[j], &found[j]);
    /* All checked (names, shapes, dtypes; the data's bounds when the file
     * was opened), so the copy cannot fail: only now does the net change. */
    if (status == SENET_OK)
        net_weights_replaced(net);
    for (int j = 0; j < net->num_entries && status == SENET_OK; j++) {
        const param_entry *e = &net->entries[j];
        if (keep_classifier && net_entry_is_classifier(e))
            continue;
        if (e->store == STORE_COUNTER && !found[j])
            memset(net_tensor_i64(net, j), 0, e->numel * sizeof(int64_t));
        else if (e->store == STORE_COUNTER)
            status = safetensors_read_i64(f, found[j], net_tensor_i64(net, j), e->numel);
        else
            status = safetensors_read_f32(f, found[j], net_tensor_f32(net, j), e->numel);
    }
    free(found);
    return status;
}

int weights_load_from(senet_net *net, const safetensors_file *f) { return load_tensors(net, f, 0); }

int net_load_backbone(senet_net *net, const char *path)
{
    safetensors_file *f = NULL;
    TRY(safetensors_open(path, &f));
    int status = load_tensors(net, f, 1);
    safetensors_close(f);
    return status;
}

/* The file's attached metadata (class names, input size, ...) comes with
 * its weights, so that a loaded and saved net keeps what its file said. */
int net_load_weights(senet_net *net, const char *path)
{
    safetensors_file *f = NULL;
    TRY(safetensors_open(path, &f));
    model_meta_staged meta;
    int status = model_meta_stage(f, &meta);
    if (!status)
        status = weights_load_from(net, f);
    if (!status)
        model_meta_commit(net, &meta);
    model_meta_staged_free(&meta);
    safetensors_close(f);
    return status;
}

int weights_save_metadata(const senet_net *net, const char *path, const st_write_entry *extra, int num_extra,
                          const char *const *keys, const char *const *values, int num_metadata)
{
    TRY(net_check_not_frozen(net, "saving the weights"));
    st_write_entry *entries = calloc((size_t)net->num_entries + (size_t)num_extra, sizeof *entries);
    if (!entries)
        return senet_fail(SENET_ERR_NOMEM, "out of memory");
    senet_net *mut = (senet_net *)net; /* the accessors do not modify */
    for (int j = 0; j < net->num_entries; j++) {
        const param_entry *e = &net->entries[j];
        st_write_entry *w = &entries[j];
        w->name = e->name;
        w->ndim = e->ndim;
        memcpy(w->shape, e->shape, sizeof e->shape);
        w->dtype = e->store == STORE_COUNTER ? ST_I64 : ST_F32;
        w->data = e->store == STORE_COUNTER ? (const void *)net_tensor_i64(mut, j) : (const void *)net_tensor_f32(mut, j);
    }
    for (int j = 0; j < num_extra; j++)
        entries[net->num_entries + j] = extra[j];
    /* The net's configuration and attached entries first, then the caller's
     * (a checkpoint's position, the best weights' score). */
    model_meta_list *meta = malloc(sizeof *meta);
    if (!meta) {
        free(entries);
        return senet_fail(SENET_ERR_NOMEM, "out of memory");
    }
    model_meta_collect(net, keys, num_metadata, meta);
    for (int i = 0; i < num_metadata && meta->count < (int)(sizeof meta->keys / sizeof *meta->keys); i++) {
        meta->keys[meta->count] = keys[i];
        meta->values[meta->count++] = values[i];
    }
    int status = safetensors_write_metadata(path, entries, net->num_entries + num_extra, meta->keys, meta->values,
                                            meta->count);
    free(meta);
    free(entries);
    return status;
}

int weights_save(const senet_net *net, const char *path, const st_write_entry *extra, int num_extra)
{
    return weights_save_metadata(net, path, extra, num_extra, NULL, NULL, 0);
}

int net_save_weights(const senet_net *net, const char *path) { return weights_save(net, path, NULL, 0); }
