/* senet step: K train-mode SGD steps on the one batch of a file; writes the
 * updated state dict and the loss before each step.
 *
 * Under mpirun each of the P ranks takes a contiguous slice of the batch
 * (rank r: images [r N / P, (r + 1) N / P)), the ranks' gradients are summed
 * after each step and rank 0 writes OUT; with --sync-bn the result is the
 * one-process result up to float rounding (tests/mpi). */
#include "args.h"
#include "commands.h"
#include "dist/dist.h"
#include "finetune.h"
#include "io/weights.h"
#include "model_file.h"
#include "parallel.h"
#include "tensor_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Checks that every rank read the same batch, then keeps this rank's slice. */
static int take_slice(const parallel *p, const char *path, batch_file *b)
{
    if (p->world == 1)
        return 0;
    size_t chw = (size_t)3 * b->h * b->w;
    int shape[3] = {b->n, b->h, b->w};
    uint64_t h = dist_hash(DIST_HASH_START, shape, sizeof shape);
    h = dist_hash(h, b->input, (size_t)b->n * chw * sizeof(float));
    h = dist_hash(h, b->labels, (size_t)b->n * sizeof(int64_t));
    if (parallel_check_same(h, "the batch in --input"))
        return -1;
    if (b->n < p->world) {
        char images[32];
        fprintf(stderr, "senet step: %s holds %s, too few for %d ranks\n", path, plural(images, sizeof images, b->n,
                "image"), p->world);
        parallel_failed_together = 1;
        return -1;
    }
    int first = (int)((int64_t)b->n * p->rank / p->world), end = (int)((int64_t)b->n * (p->rank + 1) / p->world);
    memmove(b->input, b->input + (size_t)first * chw, (size_t)(end - first) * chw * sizeof(float));
    memmove(b->labels, b->labels + first, (size_t)(end - first) * sizeof(int64_t));
    b->n = end - first;
    return 0;
}

int cmd_step(int argc, char **argv)
{
    net_options net = {0};
    const char *weights = NULL, *input = NULL, *output = NULL;
    long steps = 1, threads = 0;
    const char *freeze = NULL;
    double lr = 0.1, momentum = 0, weight_decay = 0, smoothing = 0, dropout = 0, head_lr_mult = 1;
    int nesterov = 0, no_decay_1d = 0, sync_bn = 0;
    option_spec specs[] = {
        NET_OPTION_SPECS(&net),
        {"weights", OPT_STRING, &weights, "weights (.safetensors, state_dict names)", "W", .required = 1},
        {"input", OPT_STRING, &input, "batch file: 'input' F32 (N, 3, H, W) and 'labels' I64 (N)", "IN",
         .required = 1},
        {"output", OPT_STRING, &output, "file for the updated state dict and 'loss' F32 (K)", "OUT",
         .required = 1},
        {"steps", OPT_INT, &steps, "SGD steps K (1)", "K", OPT_RANGE(1, 1000000)},
        {"lr", OPT_FLOAT, &lr, "learning rate (0.1)", "F", OPT_MORE_THAN(0)},
        {"momentum", OPT_FLOAT, &momentum, "momentum (0)", "F", OPT_BELOW(0, 1)},
        {"weight-decay", OPT_FLOAT, &weight_decay, "weight decay added to the gradient (0)", "F", OPT_AT_LEAST(0)},
        {"nesterov", OPT_FLAG, &nesterov, "Nesterov momentum", NULL},
        {"no-decay-bn-bias", OPT_FLAG, &no_decay_1d, "no weight decay on BN weights and biases or any bias", NULL},
        {"label-smoothing", OPT_FLOAT, &smoothing, "label smoothing of the cross-entropy (0)", "F", OPT_BELOW(0, 1)},
        {"dropout", OPT_FLOAT, &dropout, "dropout before the classifier (0: off, whatever the architecture)", "P",
         OPT_BELOW(0, 1)},
        {"freeze", OPT_STRING, &freeze, "stages left as they are, BN statistics too: stem,layer1,... | all (none)",
         "LIST"},
        {"head-lr-mult", OPT_FLOAT, &head_lr_mult, "the classifier's learning rate is lr x this (1)", "F",
         OPT_ABOVE(0, 1e6)},
        {"threads", OPT_INT, &threads, "threads (default: all cores, shared by the ranks of a host)", "T",
         OPT_THREADS},
        {"sync-bn", OPT_FLAG, &sync_bn, "under mpirun: batch norm over the whole batch, not each rank's slice", NULL},
    };
    senet_config cfg;
    senet_model_info info;
    int exit_code;
    if (parse_model_command("step", "--weights W --input IN --output OUT [--arch A] [options]", specs,
                            sizeof specs / sizeof *specs, argc, argv, &net, &weights, &cfg, &info, &exit_code))
        return exit_code;
    if (nesterov && momentum == 0) {
        fprintf(stderr, "senet step: --nesterov needs a --momentum above 0\n");
        return 2;
    }
    if (apply_threads("step", parallel_default_threads(threads)))
        return 2;
    cfg.dropout = (float)dropout;
    parallel par;
    parallel_init(&par, sync_bn);
    if (parallel_check_command("step", argc, argv))
        return 2;
    batch_file batch;
    if (batch_file_read("step", input, 1, &batch))
        return 1;
    if (take_slice(&par, input, &batch)) {
        batch_file_free(&batch);
        return 2;
    }
    senet_net *model = open_net("step", &cfg, weights);
    int bad_freeze = model && apply_freeze("step", freeze, model);
    if (!model || bad_freeze || parallel_attach(&par, model)) {
        senet_net_free(model);
        batch_file_free(&batch);
        return bad_freeze ? 2 : 1;
    }
    senet_sgd_options opt = {(float)lr, (float)momentum, (float)weight_decay, nesterov, no_decay_1d,
                             (float)head_lr_mult};
    float *losses = calloc((size_t)steps, sizeof(float));
    int status = losses ? SENET_OK : SENET_ERR_NOMEM;
    for (long k = 0; k < steps && !status; k++) {
        status = senet_net_forward_backward(model, batch.input, batch.labels, batch.n, batch.h, batch.w,
                                            (float)smoothing, &losses[k]);
        if (!status)
            status = parallel_sum_grads(&par, model);
        if (!status)
            status = senet_sgd_step(model, &opt);
    }
    if (!status && par.rank == 0) {
        st_write_entry e = {"loss", ST_F32, 1, {steps}, losses};
        status = weights_save(model, output, &e, 1);
    }
    if (status)
        cli_error("step", "", status);
    free(losses);
    senet_net_free(model);
    batch_file_free(&batch);
    return status ? 1 : 0;
}
