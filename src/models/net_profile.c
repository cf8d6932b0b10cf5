/* Per-step timing for senet_net_profile: the forward and backward read
 * the clock around each step while profiling is on; a row is the time of
 * the steps that start at one layer (in either mode), named by the step
 * (plan_build.c) and described by its kind when asked for. */
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

void net_profile_add(senet_net *net, const step *s, int pass, double started)
{
    if (!net->profiling)
        return;
    layer_time *row = &net->profile[s->first];
    row->seconds[pass] += net_profile_clock(net) - started;
    row->calls[pass]++;
    if (pass == 0 || !row->last)
        row->last = s;
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

static void describe_op(char *dst, size_t size, const senet_net *net, const step *s)
{
    const layer *l = s->op;
    const activation *in = &net->acts[s->in];
    const char *op = step_kind_info(s->kind)->op;
    switch (s->kind) {
    case STEP_CONV:
    case STEP_CONV_BN:
    case STEP_CONV_BN_RELU: {
        conv2d_shape sh = net_conv_shape(l, net->run_n, in->h, in->w);
        char groups[16] = "";
        if (l->groups > 1)
            snprintf(groups, sizeof groups, " g%d", l->groups);
        snprintf(dst, size, "conv %dx%d/%d%s %s%s", l->kernel, l->kernel, l->stride, groups, conv2d_method_name(&sh),
                 s->kind == STEP_CONV ? "" : s->kind == STEP_CONV_BN ? " +bn" : " +bn+relu");
        return;
    }
    case STEP_MAXPOOL: snprintf(dst, size, "maxpool %dx%d/%d", l->kernel, l->kernel, l->stride); return;
    default: snprintf(dst, size, "%s", op); return;
    }
}

int net_profile_rows(const senet_net *net, senet_layer_profile *rows, int capacity, int *count)
{
    if (capacity < 0)
        return senet_fail(SENET_ERR_ARGUMENT, "senet_net_profile: capacity %d is negative", capacity);
    int found = 0;
    for (int i = 0; net->profile && i < net->num_layers; i++) {
        const layer_time *t = &net->profile[i];
        const step *s = t->last;
        if (!s || (t->calls[0] == 0 && t->calls[1] == 0))
            continue;
        if (found < capacity) {
            senet_layer_profile *r = &rows[found];
            memset(r, 0, sizeof *r);
            snprintf(r->name, sizeof r->name, "%s", s->name);
            describe_op(r->op, sizeof r->op, net, s);
            r->stage = s->stage;
            for (int j = s->first; j <= s->last; j++)
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
