/* Memory plans over the mode's steps (plan.h). Inference needs an
 * activation only from the step that writes it to the last step that reads
 * it. Walking the steps in order, each output takes the smallest free
 * buffer that is large enough (else a free one grown, else a new one;
 * buffers are allocated once the plan is whole), and a buffer returns to
 * the free list after its last reader, so a ResNet runs in a few buffers
 * the size of its largest activations. Training keeps what backward reads
 * to the end; the rest is shared the same way. A step writes only its last
 * layer's output, so the outputs inside a fused step (a BN output that its
 * ReLU overwrites in the same pass, an SE output scaled inside the residual
 * add, a sum before its ReLU) get no buffer; the activation gradients share
 * buffers in backward order. */
#include "net.h"

#include "../base/alloc.h"
#include "../base/status.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct buffer {
    real *data;
    size_t count; /* elements */
    int free;
} buffer;

/* The buffer of `need` elements for an output, while planning (buffers are
 * allocated once the plan is whole, at their largest): the best fit among
 * the free ones (one of that very size when `exact`), else the largest free
 * one, grown, else a new one. Growing matters where activations get larger
 * as the plan goes on (gradients, from the last stage back to the first):
 * new buffers at every stage summed three of each stage's size. */
static int take_buffer(buffer *bufs, int *n_bufs, size_t need, int exact)
{
    int best = -1, grow = -1;
    for (int b = 0; b < *n_bufs; b++) {
        if (!bufs[b].free)
            continue;
        if (bufs[b].count >= need) {
            if ((!exact || bufs[b].count == need) && (best < 0 || bufs[b].count < bufs[best].count))
                best = b;
        } else if (grow < 0 || bufs[b].count > bufs[grow].count) {
            grow = b;
        }
    }
    if (best < 0)
        best = grow;
    if (best >= 0) {
        bufs[best].free = 0;
        if (bufs[best].count < need)
            bufs[best].count = need;
        return best;
    }
    bufs[*n_bufs] = (buffer){NULL, need, 0};
    return (*n_bufs)++;
}

/* Allocates the planned buffers; -1 when memory cannot be had. */
static int allocate_buffers(buffer *bufs, int n_bufs)
{
    for (int b = 0; b < n_bufs; b++)
        if (!(bufs[b].data = aligned_alloc_checked(bufs[b].count * sizeof(real))))
            return -1;
    return 0;
}

/* Frees the buffers of a failed plan. */
static int plan_failed(senet_net *net, buffer *bufs, int n_bufs, void *more)
{
    for (int b = 0; b < n_bufs; b++)
        aligned_free(bufs[b].data);
    free(bufs);
    free(more);
    return senet_fail(SENET_ERR_NOMEM, "cannot allocate the activations of %s for a batch of %d", net->cfg.arch,
                      net->run_n);
}

/* Inference: a step that is elementwise (an SE scale inside the residual
 * add, an add) may write its output over an input that nothing reads
 * afterwards: the block's output takes the buffer of its last
 * convolution's output, and a bottleneck needs two buffers of the block's
 * width instead of three. That input's buffer, else -1. */
static int reusable_input(const senet_net *net, const step *st, int i, const int *last_use, const int *owner,
                          const buffer *bufs, size_t need)
{
    if (!step_kind_info(st->kind)->over_input)
        return -1;
    int reads[2] = {st->in, st->residual};
    for (int r = 0; r < 2; r++)
        if (reads[r] >= 0 && reads[r] != net->input_act && last_use[reads[r]] <= i && owner[reads[r]] >= 0 &&
            bufs[owner[reads[r]]].count >= need)
            return owner[reads[r]];
    return -1;
}

/* Hands the plan's buffers to the net (*pool, freed by net_release_run);
 * -1 when the list cannot be had. */
static int keep_buffers(const buffer *bufs, int n_bufs, real ***pool, int *pool_count)
{
    *pool = malloc((size_t)(n_bufs > 0 ? n_bufs : 1) * sizeof(real *));
    if (!*pool)
        return -1;
    for (int b = 0; b < n_bufs; b++)
        (*pool)[b] = bufs[b].data;
    *pool_count = n_bufs;
    return 0;
}

/* Elements of all the plan's buffers, for a dry run. */
static size_t buffers_total(const buffer *bufs, int n_bufs)
{
    size_t total = 0;
    for (int b = 0; b < n_bufs; b++)
        total += bufs[b].count;
    return total;
}

/* The end of a plan: a dry run's total, or the buffers allocated and
 * handed to the activations (their data, or with `grads` their
 * gradients). Frees bufs and work (the planner's arrays, owner among them). */
static int finish_plan(senet_net *net, buffer *bufs, int n_bufs, const int *owner, int *work, int grads,
                       size_t *dry_total)
{
    if (dry_total) {
        *dry_total = buffers_total(bufs, n_bufs);
    } else {
        if (allocate_buffers(bufs, n_bufs) != 0 ||
            keep_buffers(bufs, n_bufs, grads ? &net->grad_pool : &net->pool,
                         grads ? &net->grad_pool_count : &net->pool_count) != 0)
            return plan_failed(net, bufs, n_bufs, work);
        for (int a = 0; a < net->num_acts; a++)
            *(grads ? &net->acts[a].grad : &net->acts[a].data) = owner[a] >= 0 ? bufs[owner[a]].data : NULL;
    }
    free(bufs);
    free(work);
    return SENET_OK;
}

int net_plan_activation_memory(senet_net *net, const size_t *counts, int training, size_t *dry_total)
{
    const plan *pl = net_plan(net, training);
    int n_acts = net->num_acts, end = pl->num_steps;
    int *last_use = malloc((size_t)n_acts * 2 * sizeof(int));
    buffer *bufs = calloc((size_t)n_acts, sizeof(buffer));
    if (!last_use || !bufs) {
        free(last_use);
        free(bufs);
        return senet_fail(SENET_ERR_NOMEM, "out of memory");
    }
    int *owner = last_use + n_acts;
    for (int a = 0; a < n_acts; a++)
        last_use[a] = -1, owner[a] = -1;
    for (int i = 0; i < end; i++) {
        const step *st = &pl->steps[i];
        last_use[st->in] = i;
        if (st->residual >= 0)
            last_use[st->residual] = i;
    }
    last_use[net->logits_act] = end; /* read by the caller */
    for (int i = 0; training && i < end; i++) { /* what backward reads lives to the end */
        const step *st = &pl->steps[i];
        const step_info *info = step_kind_info(st->kind);
        if (info->keeps_input)
            last_use[st->in] = end;
        if (info->keeps_output)
            last_use[st->out] = end;
    }
    int n_bufs = 0;
    owner[net->input_act] = take_buffer(bufs, &n_bufs, counts[net->input_act], 0);
    for (int i = 0; i < end; i++) {
        const step *st = &pl->steps[i];
        int out = st->out;
        int b = training ? -1 : reusable_input(net, st, i, last_use, owner, bufs, counts[out]);
        /* What lives to the end takes a buffer of its size: in a larger one the
         * rest would be lost to the short-lived activations for good. */
        if (b < 0)
            b = take_buffer(bufs, &n_bufs, counts[out], last_use[out] >= end);
        owner[out] = b;
        /* Inputs whose last reader this was give their buffer back (after the
         * output took one, so that only an elementwise step writes over its
         * own input). */
        int reads[2] = {st->in, st->residual};
        for (int r = 0; r < 2; r++)
            if (reads[r] >= 0 && last_use[reads[r]] <= i && owner[reads[r]] >= 0 && owner[reads[r]] != b)
                bufs[owner[reads[r]]].free = 1;
    }
    return finish_plan(net, bufs, n_bufs, owner, last_use, 0, dry_total);
}

int net_plan_gradient_memory(senet_net *net, const size_t *counts, size_t *dry_total)
{
    const plan *pl = &net->train_plan;
    int n_acts = net->num_acts, end = pl->num_steps;
    int *producer = malloc((size_t)n_acts * 2 * sizeof(int));
    buffer *bufs = calloc((size_t)n_acts, sizeof(buffer));
    if (!producer || !bufs) {
        free(producer);
        free(bufs);
        return senet_fail(SENET_ERR_NOMEM, "out of memory");
    }
    int *owner = producer + n_acts;
    /* the outputs inside a fused step are no step's operand: no gradient stored */
    for (int a = 0; a < n_acts; a++)
        producer[a] = -1, owner[a] = -1, net->acts[a].grad_start = -1;
    for (int i = 0; i < end; i++) {
        const step *st = &pl->steps[i];
        producer[st->out] = i;
        net->acts[st->in].grad_start = i;
        if (st->residual >= 0)
            net->acts[st->residual].grad_start = i;
    }
    net->acts[net->logits_act].grad_start = end; /* the loss writes it first */
    for (int a = 0; a < n_acts; a++)
        if (net->acts[a].grad_start < 0 && producer[a] >= 0)
            net->acts[a].grad_start = producer[a]; /* read by no step: zeroes only */
    int n_bufs = 0;
    /* Backward time runs from `end` (the loss) down to step 0. */
    for (int t = end; t >= 0; t--) {
        for (int a = 0; a < n_acts; a++) {
            if (net->acts[a].grad_start != t || a == net->input_act)
                continue;
            owner[a] = take_buffer(bufs, &n_bufs, counts[a], 0);
        }
        /* after step t's backward its output's gradient is spent */
        if (t < end && owner[pl->steps[t].out] >= 0)
            bufs[owner[pl->steps[t].out]].free = 1;
    }
    return finish_plan(net, bufs, n_bufs, owner, producer, 1, dry_total);
}

/* Linux overcommits: allocations far beyond the machine's memory succeed and
 * the process is killed (SIGKILL) later, when it touches the pages. So a
 * batch whose planned buffers alone exceed the memory available (free RAM,
 * page cache it may reclaim, free swap) is refused up front with an error
 * that says how much it needs. Where /proc/meminfo cannot be read, no check. */
/* MemAvailable + SwapFree in bytes, or 0 when unknown. */
static double available_bytes(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return 0;
    char line[256];
    double kb = 0;
    int found = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long long v;
        if (sscanf(line, "MemAvailable: %llu kB", &v) == 1 || sscanf(line, "SwapFree: %llu kB", &v) == 1) {
            kb += (double)v;
            found++;
        }
    }
    fclose(f);
    return found ? kb * 1024.0 : 0;
}

int net_check_memory(senet_net *net, const size_t *counts, int n, int h, int w, int training)
{
    size_t data = 0, grads = 0;
    TRY(net_plan_activation_memory(net, counts, training, &data));
    if (training)
        TRY(net_plan_gradient_memory(net, counts, &grads));
    double need = (double)(data + grads) * sizeof(real);
    double have = available_bytes();
    if (have > 0 && need > have)
        return senet_fail(SENET_ERR_NOMEM,
                          "a batch of %d at %dx%d needs at least %.1f GB for the activations of %s%s, but only "
                          "%.1f GB of memory is available: use a smaller batch or input size",
                          n, h, w, need / 1e9, net->cfg.arch, training ? " and their gradients" : "", have / 1e9);
    return SENET_OK;
}
