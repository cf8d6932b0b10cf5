/* Per-layer timing for senet_net_profile: the forward and backward walks
 * read the clock around each layer (or fused group of layers) while
 * profiling is on; the rows are named and described when asked for. */
#include "net.h"

#include "../base/status.h"
#include "../ops/conv2d.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double net_profile_clock(const senet_net *net)
{
    if (!net->profiling)
        return 0;
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

void net_profile_add(senet_net *net, int i, int pass, int span, double started)
{
    if (!net->profiling)
        return;
    layer_time *row = &net->profile[i];
    row->seconds[pass] += net_profile_clock(net) - started;
    row->calls[pass]++;
    if (pass == 0)
        row->span = span;
}

int net_set_profiling(senet_net *net, int on)
{
    if (on) {
        if (!net->profile)
            net->profile = malloc((size_t)net->num_layers * sizeof *net->profile);
        if (!net->profile)
            return senet_fail(SENET_ERR_NOMEM, "out of memory for the profile of %d layers", net->num_layers);
        memset(net->profile, 0, (size_t)net->num_layers * sizeof *net->profile);
    }
    net->profiling = on != 0;
    return SENET_OK;
}

/* "layer1.0.conv1" from the name of the layer's first parameter; a layer
 * without parameters takes the block of the last one that had some
 * ("layer1.0" + ".relu"), or its kind alone in the stem and head. */
static const char *const kind_names[] = {"conv", "bn", "relu", "maxpool", "se", "add", "avgpool", "dropout", "linear"};

static void name_row(char *dst, size_t size, const senet_net *net, int i, const char *block)
{
    const layer *l = &net->layers[i];
    if (l->p[0] < 0) {
        snprintf(dst, size, "%s%s%s", block, *block ? "." : "", kind_names[l->kind]);
        return;
    }
    snprintf(dst, size, "%s", net->entries[l->p[0]].name);
    char *dot = strrchr(dst, '.'); /* ".weight" */
    if (dot)
        *dot = 0;
    if (l->kind == LAYER_SE && (dot = strrchr(dst, '.')) != NULL) /* ".fc1" */
        *dot = 0;
}

/* The block ("layer1.0") a parameter name lies in, or "" outside the
 * blocks (the stem's "layer0.conv1", "conv1", the head). */
static void block_of(char *dst, size_t size, const char *name)
{
    const char *first = strchr(name, '.'), *second = first ? strchr(first + 1, '.') : NULL;
    int numbered = first && first[1] >= '0' && first[1] <= '9';
    size_t len = strncmp(name, "layer", 5) == 0 && numbered && second ? (size_t)(second - name) : 0;
    if (len >= size)
        len = size - 1;
    memcpy(dst, name, len);
    dst[len] = 0;
}

static void describe_op(char *dst, size_t size, const senet_net *net, int i, int span)
{
    const layer *l = &net->layers[i];
    const activation *in = &net->acts[l->in];
    const char *fused = span == 0 ? "" : span == 1 ? " +bn" : " +bn+relu";
    switch (l->kind) {
    case LAYER_CONV: {
        conv2d_shape s = net_conv_shape(l, net->run_n, in->h, in->w);
        char groups[16] = "";
        if (l->groups > 1)
            snprintf(groups, sizeof groups, " g%d", l->groups);
        snprintf(dst, size, "conv %dx%d/%d%s %s%s", l->kernel, l->kernel, l->stride, groups, conv2d_method_name(&s),
                 fused);
        return;
    }
    case LAYER_BN: snprintf(dst, size, span ? "bn+relu" : "bn"); return;
    case LAYER_SE: snprintf(dst, size, span == 0 ? "se" : span == 1 ? "se+add" : "se+add+relu"); return;
    case LAYER_ADD: snprintf(dst, size, span ? "add+relu" : "add"); return;
    case LAYER_MAXPOOL: snprintf(dst, size, "maxpool %dx%d/%d", l->kernel, l->kernel, l->stride); return;
    default: snprintf(dst, size, "%s", kind_names[l->kind]); return;
    }
}

int net_profile_rows(const senet_net *net, senet_layer_profile *rows, int capacity, int *count)
{
    if (capacity < 0)
        return senet_fail(SENET_ERR_ARGUMENT, "senet_net_profile: capacity %d is negative", capacity);
    int found = 0;
    char block[64] = "";
    for (int i = 0; i < net->num_layers; i++) {
        const layer *l = &net->layers[i];
        if (l->stage < 1 || l->stage > 4)
            block[0] = 0; /* the stem's and the head's layers are named by their kind */
        else if (l->p[0] >= 0)
            block_of(block, sizeof block, net->entries[l->p[0]].name);
        const layer_time *t = net->profile ? &net->profile[i] : NULL;
        if (!t || (t->calls[0] == 0 && t->calls[1] == 0))
            continue;
        if (found < capacity) {
            senet_layer_profile *r = &rows[found];
            memset(r, 0, sizeof *r);
            name_row(r->name, sizeof r->name, net, i, block);
            describe_op(r->op, sizeof r->op, net, i, t->span);
            r->stage = l->stage;
            for (int j = i; j <= i + t->span && j < net->num_layers; j++)
                r->macs += net_layer_macs(&net->layers[j], net->acts[net->layers[j].out].h,
                                          net->acts[net->layers[j].out].w);
            r->forward_ms = t->seconds[0] * 1e3;
            r->backward_ms = t->seconds[1] * 1e3;
            r->forward_calls = t->calls[0];
            r->backward_calls = t->calls[1];
        }
        found++;
    }
    *count = found;
    return SENET_OK;
}
