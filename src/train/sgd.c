/* Stochastic gradient descent exactly as torch.optim.SGD (dampening 0):
 *   g = grad + weight_decay * p
 *   buf = g on the first step, else momentum * buf + g
 *   g = g + momentum * buf (Nesterov) or buf
 *   p = p - lr * g
 * over the one flat parameter buffer, optionally without weight decay on the
 * 1-d tensors (a parameter group with weight_decay 0 in PyTorch) and with
 * the classifier's learning rate scaled (a parameter group of its own);
 * the parameters of frozen stages (fine-tuning) are left alone. */
#include "../models/net.h"

#include "../base/alloc.h"
#include "../base/status.h"
#include "../base/threads.h"

#include <math.h>

int net_sgd_step(senet_net *net, const senet_sgd_options *opt)
{
    if (!(opt->lr >= 0) || !(opt->momentum >= 0) || !(opt->weight_decay >= 0) || !isfinite(opt->lr))
        return senet_fail(SENET_ERR_ARGUMENT, "SGD: lr %g, momentum %g and weight decay %g must be finite and >= 0",
                          opt->lr, opt->momentum, opt->weight_decay);
    if (!(opt->head_lr_mult >= 0) || !isfinite(opt->head_lr_mult))
        return senet_fail(SENET_ERR_ARGUMENT, "SGD: head_lr_mult %g must be finite and >= 0 (0: the same lr)",
                          opt->head_lr_mult);
    if (opt->nesterov && opt->momentum <= 0)
        return senet_fail(SENET_ERR_ARGUMENT, "SGD: Nesterov momentum requires a momentum > 0");
    TRY(net_check_not_frozen(net, "an SGD step"));
    TRY(net_ensure_grads(net));
    int first = 0;
    if (opt->momentum > 0 && !net->momentum) {
        net->momentum = aligned_calloc_checked(net->num_params, sizeof(float));
        if (!net->momentum)
            return senet_fail(SENET_ERR_NOMEM, "SGD: no memory for the momentum buffer");
        first = 1;
    }
    net_infer_invalidate(net); /* nothing fails from here on */
    const float base_lr = opt->lr, head_mult = opt->head_lr_mult, mu = opt->momentum;
    /* Per tensor, so that 1-d tensors can be spared weight decay. */
#pragma omp parallel for num_threads(threads_get()) schedule(dynamic, 4)
    for (int e = 0; e < net->num_entries; e++) {
        const param_entry *entry = &net->entries[e];
        if (entry->store != STORE_PARAM || net_stage_frozen(net, entry->stage))
            continue; /* a frozen parameter has no gradient: PyTorch's SGD skips it, momentum and decay too */
        const float wd = opt->no_decay_1d && entry->ndim == 1 ? 0 : opt->weight_decay;
        const float lr = head_mult > 0 && net_entry_is_classifier(entry) ? base_lr * head_mult : base_lr;
        float *p = net->params + entry->offset, *g = net->grads + entry->offset;
        float *buf = net->momentum ? net->momentum + entry->offset : NULL;
        for (size_t i = 0; i < entry->numel; i++) {
            float d = g[i];
            if (wd != 0)
                d += wd * p[i];
            if (mu != 0) {
                buf[i] = first ? d : mu * buf[i] + d;
                d = opt->nesterov ? d + mu * buf[i] : buf[i];
            }
            p[i] -= lr * d;
        }
    }
    return SENET_OK;
}
