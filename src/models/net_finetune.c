/* Fine-tuning: freezing a leading run of the net's stages (the stem, then
 * layer1, layer2, ...). The forward and backward (plan_run.c) and the
 * SGD step (train/sgd.c) ask net_stage_frozen; this file keeps the state
 * consistent: which stages, the first layer that trains and the activation
 * at the boundary, whose gradient no one needs. */
#include "net.h"

#include "../base/status.h"

#include <string.h>

int net_stage_frozen(const senet_net *net, int stage)
{
    return stage >= 0 && stage < 5 && (net->frozen_stages >> stage & 1u);
}

int net_entry_is_classifier(const param_entry *e) { return strncmp(e->name, "last_linear.", 12) == 0; }

int net_freeze_stages(senet_net *net, unsigned stages)
{
    int parts = net->arch->num_stages + 1; /* the stem and the stages */
    unsigned all = (1u << parts) - 1;
    if (stages & ~all)
        return senet_fail(SENET_ERR_ARGUMENT, "senet_net_freeze_stages: %s has the stem (bit 0) and %d stages "
                                              "(bits 1..%d); 0x%x names others", net->cfg.arch, parts - 1, parts - 1,
                          stages);
    if (stages & (stages + 1))
        return senet_fail(SENET_ERR_ARGUMENT, "senet_net_freeze_stages: 0x%x is not a leading run of stages (the "
                                              "stem, then layer1, layer2, ... in order): only those can be frozen",
                          stages);
    net->frozen_stages = stages;
    net->train_first = 0;
    net->frozen_boundary = -1;
    while (net->train_first < net->num_layers && net_stage_frozen(net, net->layers[net->train_first].stage))
        net->train_first++;
    if (net->train_first > 0)
        net->frozen_boundary = net->layers[net->train_first].in;
    /* the frozen parameters' gradients read 0 from now on (backward no longer writes them) */
    if (net->grads)
        for (int e = 0; e < net->num_entries; e++) {
            const param_entry *entry = &net->entries[e];
            if (entry->store == STORE_PARAM && net_stage_frozen(net, entry->stage))
                memset(net->grads + entry->offset, 0, entry->numel * sizeof(float));
        }
    return SENET_OK;
}
