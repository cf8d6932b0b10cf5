/* Compiling a net's layers into a plan of steps per mode (plan.h). At each
 * layer the rules below are tried in order, the longest first; a rule
 * takes a run of layers when each one reads only the previous one's
 * output and nothing else reads that output, so the outputs inside a step
 * are never stored. */
#include "net.h"

#include "../base/alloc.h"
#include "../base/status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* op, relu, keeps_input, keeps_output, over_input, parameterless */
static const step_info infos[STEP_KINDS] = {
    [STEP_CONV] = {"conv", 0, 1, 0, 0, 0},
    [STEP_CONV_BN] = {"conv", 0, 1, 0, 0, 0},
    [STEP_CONV_BN_RELU] = {"conv", 1, 1, 0, 0, 0},
    [STEP_BN] = {"bn", 0, 1, 0, 0, 0},
    [STEP_BN_RELU] = {"bn+relu", 1, 1, 1, 0, 0},
    [STEP_RELU] = {"relu", 1, 0, 1, 0, 1},
    [STEP_MAXPOOL] = {"maxpool", 0, 0, 0, 0, 1},
    [STEP_SE] = {"se", 0, 1, 0, 0, 0},
    [STEP_SE_SCALE_ADD] = {"se+add", 0, 1, 0, 1, 0},
    [STEP_SE_SCALE_ADD_RELU] = {"se+add+relu", 1, 1, 1, 1, 0},
    [STEP_ADD] = {"add", 0, 0, 0, 1, 0},
    [STEP_ADD_RELU] = {"add+relu", 1, 0, 1, 1, 0},
    [STEP_AVGPOOL] = {"avgpool", 0, 0, 0, 0, 1},
    [STEP_DROPOUT] = {"dropout", 0, 0, 0, 0, 1},
    [STEP_LINEAR] = {"linear", 0, 1, 0, 0, 0},
};

const step_info *step_kind_info(step_kind kind) { return &infos[kind]; }

#define EVAL 1u
#define TRAIN 2u

typedef struct step_rule {
    step_kind kind;
    unsigned modes;
    int count;
    layer_kind layers[3];
} step_rule;

/* Eval mode folds BN into the convolution before it; training's BN needs
 * the batch statistics, so there it is a step of its own with its ReLU. */
static const step_rule rules[] = {
    {STEP_CONV_BN_RELU, EVAL, 3, {LAYER_CONV, LAYER_BN, LAYER_RELU}},
    {STEP_CONV_BN, EVAL, 2, {LAYER_CONV, LAYER_BN}},
    {STEP_CONV, EVAL | TRAIN, 1, {LAYER_CONV}},
    {STEP_BN_RELU, TRAIN, 2, {LAYER_BN, LAYER_RELU}},
    {STEP_BN, EVAL | TRAIN, 1, {LAYER_BN}},
    {STEP_RELU, EVAL | TRAIN, 1, {LAYER_RELU}},
    {STEP_MAXPOOL, EVAL | TRAIN, 1, {LAYER_MAXPOOL}},
    {STEP_SE_SCALE_ADD_RELU, EVAL | TRAIN, 3, {LAYER_SE, LAYER_ADD, LAYER_RELU}},
    {STEP_SE_SCALE_ADD, EVAL | TRAIN, 2, {LAYER_SE, LAYER_ADD}},
    {STEP_SE, EVAL | TRAIN, 1, {LAYER_SE}},
    {STEP_ADD_RELU, EVAL | TRAIN, 2, {LAYER_ADD, LAYER_RELU}},
    {STEP_ADD, EVAL | TRAIN, 1, {LAYER_ADD}},
    {STEP_AVGPOOL, EVAL | TRAIN, 1, {LAYER_AVGPOOL}},
    {STEP_DROPOUT, EVAL | TRAIN, 1, {LAYER_DROPOUT}},
    {STEP_LINEAR, EVAL | TRAIN, 1, {LAYER_LINEAR}},
};

/* How many layers read activation `act` (the caller reads the logits). */
static int consumers(const senet_net *net, int act)
{
    int count = act == net->logits_act;
    for (int i = 0; i < net->num_layers; i++) {
        const layer *l = &net->layers[i];
        count += (l->in == act) + (l->kind == LAYER_ADD && l->in2 == act);
    }
    return count;
}

/* Rule r as a step at layer i, or 0 when it does not apply there. */
static int match(const senet_net *net, const step_rule *r, int i, unsigned mode, step *s)
{
    if (!(r->modes & mode) || i + r->count > net->num_layers)
        return 0;
    const layer *l = &net->layers[i];
    *s = (step){.kind = r->kind, .first = i, .last = i + r->count - 1, .stage = l->stage, .in = l->in,
                .out = -1, .residual = -1, .op = l};
    for (int k = 0; k < r->count; k++) {
        const layer *m = &net->layers[i + k];
        if (m->kind != r->layers[k])
            return 0;
        if (k > 0 && (m->in != net->layers[i + k - 1].out || consumers(net, m->in) != 1))
            return 0;
        if (m->kind == LAYER_ADD)
            s->residual = m->in2; /* the chain comes in through `in` */
        if (m->kind == LAYER_BN && k > 0)
            s->bn = m;
        s->out = m->out;
    }
    /* a fused backward writes both input gradients at once, which must differ */
    if (mode == TRAIN && r->count > 1 && s->residual >= 0 && s->residual == s->in)
        return 0;
    return 1;
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

static const char *const layer_names[] = {"conv", "bn", "relu", "maxpool", "se", "add", "avgpool", "dropout", "linear"};

/* "layer1.0.conv1" from the name of the layer's parameters; a layer
 * without parameters takes the block of the last one that had some
 * ("layer1.0" + ".relu"), or its kind alone in the stem and head. */
static void name_step(step *s, const senet_net *net, const char *block)
{
    int entry = net_layer_entry(s->op);
    if (entry < 0) {
        snprintf(s->name, sizeof s->name, "%s%s%s", block, *block ? "." : "", layer_names[s->op->kind]);
        return;
    }
    snprintf(s->name, sizeof s->name, "%s", net->entries[entry].name);
    char *dot = strrchr(s->name, '.'); /* ".weight" */
    if (dot)
        *dot = 0;
    if (s->op->kind == LAYER_SE && (dot = strrchr(s->name, '.')) != NULL) /* ".fc1" */
        *dot = 0;
}

static int build_mode(senet_net *net, unsigned mode, plan *p)
{
    p->steps = calloc((size_t)(net->num_layers ? net->num_layers : 1), sizeof(step));
    if (!p->steps)
        return senet_fail(SENET_ERR_NOMEM, "out of memory for the plan of %s", net->cfg.arch);
    p->num_steps = 0;
    char block[64] = "";
    for (int i = 0, next = 0; i < net->num_layers; i++) {
        const layer *l = &net->layers[i];
        int entry = net_layer_entry(l);
        if (l->stage < 1 || l->stage > 4)
            block[0] = 0; /* the stem's and the head's steps are named by their kind */
        else if (entry >= 0)
            block_of(block, sizeof block, net->entries[entry].name);
        if (i < next)
            continue; /* inside the step before */
        step *s = &p->steps[p->num_steps];
        size_t r = 0;
        while (r < sizeof rules / sizeof rules[0] && !match(net, &rules[r], i, mode, s))
            r++;
        if (r == sizeof rules / sizeof rules[0])
            return senet_fail(SENET_ERR_STATE, "no step runs layer %d of %s", i, net->cfg.arch);
        name_step(s, net, block);
        next = s->last + 1;
        p->num_steps++;
    }
    return SENET_OK;
}

int plan_build(senet_net *net)
{
    TRY(build_mode(net, EVAL, &net->eval_plan));
    return build_mode(net, TRAIN, &net->train_plan);
}

plan *net_plan(senet_net *net, int training) { return training ? &net->train_plan : &net->eval_plan; }

void plan_release_scratch(plan *p)
{
    for (int i = 0; i < p->num_steps; i++) {
        step_scratch *t = &p->steps[i].scratch;
        aligned_free(t->bn_mean);
        aligned_free(t->bn_inv_std);
        aligned_free(t->se.z);
        aligned_free(t->se.h);
        aligned_free(t->se.s);
        aligned_free(t->se.argmax);
        aligned_free(t->pool_argmax);
        aligned_free(t->dropout_mask);
        memset(t, 0, sizeof *t);
    }
}

void plan_free(plan *p)
{
    plan_release_scratch(p);
    free(p->steps);
    p->steps = NULL;
    p->num_steps = 0;
}
