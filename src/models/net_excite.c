/* The excitations of a net's SE blocks (TPAMI section 7): which blocks
 * there are, the gate values s (N, C) of the last eval-mode forward when
 * capture is on, and SE blocks switched to identity by stage for the
 * ablation that follows from them. The eval plan's SE steps leave their
 * gates in their scratch (se.s) for the images of one pass; senet_net_forward
 * copies them here pass by pass (net_excite_record), so a call that runs
 * in several passes keeps every image's. The public calls, with their
 * argument checks and the net's in-use flag, are in net_calls.c. */
#include "net.h"

#include "../base/status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The layer index of SE block `index` (in layer order), or -1. */
static int se_layer(const senet_net *net, int index)
{
    for (int i = 0, k = 0; i < net->num_layers; i++)
        if (net->layers[i].kind == LAYER_SE && k++ == index)
            return i;
    return -1;
}

int net_num_se_blocks(const senet_net *net)
{
    int count = 0;
    for (int i = 0; i < net->num_layers; i++)
        count += net->layers[i].kind == LAYER_SE;
    return count;
}

int net_se_block(const senet_net *net, int index, senet_se_block *info)
{
    int i = se_layer(net, index);
    if (i < 0)
        return senet_fail(SENET_ERR_ARGUMENT, "SE block %d is out of range: %s has %d", index, net->cfg.arch,
                          net_num_se_blocks(net));
    const layer *l = &net->layers[i];
    memset(info, 0, sizeof *info);
    /* "layer3.2.se_module.fc1.weight" -> "layer3.2.se_module", block 2 */
    snprintf(info->name, sizeof info->name, "%s", net->entries[l->fc1_weight].name);
    char *end = strstr(info->name, ".fc1.");
    if (end)
        *end = 0;
    const char *dot = strchr(info->name, '.');
    info->block = dot ? atoi(dot + 1) : 0;
    info->stage = l->stage;
    info->channels = l->c_in;
    return SENET_OK;
}

int net_find_se_block(const senet_net *net, const char *name, int *index)
{
    int count = net_num_se_blocks(net);
    for (int k = 0; k < count; k++) {
        senet_se_block info;
        TRY(net_se_block(net, k, &info));
        if (strcmp(info.name, name) == 0) {
            *index = k;
            return SENET_OK;
        }
    }
    return senet_fail(SENET_ERR_ARGUMENT, "%s has no SE block named '%s'%s", net->cfg.arch, name,
                      count ? "" : " (it has no SE blocks)");
}

static void free_capture(senet_net *net)
{
    for (int k = 0; k < net->excite_blocks; k++)
        free(net->excite[k]);
    free(net->excite);
    net->excite = NULL;
    net->excite_blocks = net->excite_n = net->excite_cap = 0;
}

int net_set_excitation_capture(senet_net *net, int on)
{
    if (on && net_num_se_blocks(net) == 0)
        return senet_fail(SENET_ERR_STATE, "%s has no SE blocks to capture", net->cfg.arch);
    if (!on)
        free_capture(net);
    net->excite_on = on != 0;
    net->excite_n = 0;
    return SENET_OK;
}

int net_excite_begin(senet_net *net, int n)
{
    net->excite_n = 0;
    if (!net->excite_on || n <= net->excite_cap)
        return SENET_OK;
    int blocks = net_num_se_blocks(net);
    float **bufs = calloc((size_t)blocks, sizeof *bufs);
    int failed = !bufs;
    for (int k = 0, i = 0; !failed && i < net->num_layers; i++)
        if (net->layers[i].kind == LAYER_SE) {
            bufs[k] = malloc((size_t)n * net->layers[i].c_in * sizeof(float));
            failed = !bufs[k++];
        }
    if (failed) {
        for (int k = 0; bufs && k < blocks; k++)
            free(bufs[k]);
        free(bufs);
        return senet_fail(SENET_ERR_NOMEM, "no memory to capture the excitations of %d images", n);
    }
    free_capture(net);
    net->excite = bufs;
    net->excite_blocks = blocks;
    net->excite_cap = n;
    return SENET_OK;
}

void net_excite_record(senet_net *net, int first, int count)
{
    if (!net->excite_on)
        return;
    const plan *p = &net->eval_plan;
    for (int k = 0, i = 0; i < p->num_steps; i++) {
        const step *s = &p->steps[i];
        if (s->op->kind != LAYER_SE)
            continue;
        size_t c = (size_t)s->op->c_in;
        memcpy(net->excite[k++] + (size_t)first * c, s->scratch.se.s, (size_t)count * c * sizeof(float));
    }
}

void net_excite_done(senet_net *net, int n) { net->excite_n = net->excite_on ? n : 0; }

void net_excite_free(senet_net *net) { free_capture(net); }

int net_excitations(const senet_net *net, int index, const float **gates, int *n)
{
    int blocks = net_num_se_blocks(net);
    if (index < 0 || index >= blocks)
        return senet_fail(SENET_ERR_ARGUMENT, "SE block %d is out of range: %s has %d", index, net->cfg.arch, blocks);
    if (!net->excite_on)
        return senet_fail(SENET_ERR_STATE, "excitation capture is off (senet_net_set_excitation_capture)");
    if (net->excite_n == 0)
        return senet_fail(SENET_ERR_STATE, "no eval-mode forward has run since excitation capture was turned on");
    *gates = net->excite[index];
    *n = net->excite_n;
    return SENET_OK;
}

int net_set_se_off(senet_net *net, unsigned stages)
{
    if (stages & ~SENET_SE_ALL_STAGES)
        return senet_fail(SENET_ERR_ARGUMENT, "SE stages 0x%x: only stages 1-4 exist", stages);
    for (int s = 1; s <= 4; s++) {
        if (!(stages >> (s - 1) & 1))
            continue;
        int found = 0;
        for (int i = 0; i < net->num_layers && !found; i++)
            found = net->layers[i].kind == LAYER_SE && net->layers[i].stage == s;
        if (!found)
            return senet_fail(SENET_ERR_ARGUMENT, "stage %d of %s has no SE blocks to switch off", s, net->cfg.arch);
    }
    net->se_off = stages;
    return SENET_OK;
}

int net_se_is_off(const senet_net *net, int stage) { return stage >= 1 && (net->se_off >> (stage - 1) & 1); }
