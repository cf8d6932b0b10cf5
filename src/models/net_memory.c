/* The inference memory plan. Training keeps every activation for the
 * backward pass; inference needs an activation only from the layer that
 * writes it to the last layer that reads it. Walking the layers in order,
 * each output takes the smallest free buffer that is large enough (or a new
 * one), and a buffer returns to the free list after its last reader, so a
 * ResNet runs in a few buffers the size of its largest activations. */
#include "net.h"

#include "../base/alloc.h"
#include "../base/status.h"

#include <stdlib.h>

typedef struct buffer {
    real *data;
    size_t count; /* elements */
    int free;
} buffer;

/* The buffer of `need` elements for an output: best fit among the free
 * ones, else a new one. -1 when memory cannot be had. */
static int take_buffer(buffer *bufs, int *n_bufs, size_t need)
{
    int best = -1;
    for (int b = 0; b < *n_bufs; b++)
        if (bufs[b].free && bufs[b].count >= need && (best < 0 || bufs[b].count < bufs[best].count))
            best = b;
    if (best >= 0) {
        bufs[best].free = 0;
        return best;
    }
    real *data = aligned_alloc_checked(need * sizeof(real));
    if (!data)
        return -1;
    bufs[*n_bufs] = (buffer){data, need, 0};
    return (*n_bufs)++;
}

int net_plan_inference_memory(senet_net *net, const size_t *counts)
{
    int n_acts = net->num_acts;
    int *last_use = malloc((size_t)n_acts * 3 * sizeof(int));
    buffer *bufs = calloc((size_t)n_acts, sizeof(buffer));
    if (!last_use || !bufs) {
        free(last_use);
        free(bufs);
        return senet_fail(SENET_ERR_NOMEM, "out of memory");
    }
    int *needed = last_use + n_acts, *owner = needed + n_acts;
    for (int a = 0; a < n_acts; a++)
        last_use[a] = -1, needed[a] = 1, owner[a] = -1;
    /* Outputs a fused convolution computes past are never written. */
    for (int i = 0; i < net->num_layers; i++) {
        int fused = net_infer_fused(net, i);
        for (int f = 0; f < fused; f++)
            needed[net->layers[i + f].out] = 0;
        i += fused;
    }
    for (int i = 0; i < net->num_layers; i++) {
        const layer *l = &net->layers[i];
        last_use[l->in] = i > last_use[l->in] ? i : last_use[l->in];
        if (l->kind == LAYER_ADD)
            last_use[l->in2] = i > last_use[l->in2] ? i : last_use[l->in2];
    }
    last_use[net->logits_act] = net->num_layers; /* read by the caller */
    int n_bufs = 0, status = SENET_OK;
    int b_in = take_buffer(bufs, &n_bufs, counts[net->input_act]);
    owner[net->input_act] = b_in;
    if (b_in < 0)
        status = SENET_ERR_NOMEM;
    for (int i = 0; i < net->num_layers && status == SENET_OK; i++) {
        int fused = net_infer_fused(net, i);
        int out = net->layers[i + fused].out;
        int b = take_buffer(bufs, &n_bufs, counts[out]);
        if (b < 0) {
            status = SENET_ERR_NOMEM;
            break;
        }
        owner[out] = b;
        /* Inputs whose last reader this was give their buffer back (after the
         * output took one, so a layer never writes over its own input). */
        for (int f = 0; f <= fused; f++) {
            const layer *l = &net->layers[i + f];
            int reads[2] = {l->in, l->kind == LAYER_ADD ? l->in2 : -1};
            for (int r = 0; r < 2; r++)
                if (reads[r] >= 0 && last_use[reads[r]] <= i + fused && owner[reads[r]] >= 0)
                    bufs[owner[reads[r]]].free = 1;
        }
        i += fused;
    }
    if (status == SENET_OK) {
        net->pool = malloc((size_t)n_bufs * sizeof(real *));
        if (!net->pool)
            status = SENET_ERR_NOMEM;
    }
    if (status != SENET_OK) {
        for (int b = 0; b < n_bufs; b++)
            aligned_free(bufs[b].data);
        free(bufs);
        free(last_use);
        return senet_fail(SENET_ERR_NOMEM, "cannot allocate the activations of %s for a batch of %d", net->cfg.arch,
                          net->run_n);
    }
    for (int b = 0; b < n_bufs; b++)
        net->pool[b] = bufs[b].data;
    net->pool_count = n_bufs;
    for (int a = 0; a < n_acts; a++)
        net->acts[a].data = owner[a] >= 0 ? bufs[owner[a]].data : NULL;
    free(bufs);
    free(last_use);
    return SENET_OK;
}
