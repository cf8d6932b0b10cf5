/* senet step: K train-mode SGD steps on the one batch of a file; writes the
 * updated state dict and the loss before each step. */
#include "args.h"
#include "commands.h"
#include "io/weights.h"
#include "tensor_file.h"

#include <stdio.h>
#include <stdlib.h>

int cmd_step(int argc, char **argv)
{
    net_options net = {0};
    const char *weights = NULL, *input = NULL, *output = NULL;
    long steps = 1, threads = 0;
    double lr = 0.1, momentum = 0, weight_decay = 0, smoothing = 0, dropout = 0;
    int nesterov = 0, no_decay_1d = 0;
    option_spec specs[] = {
        NET_OPTION_SPECS(&net),
        {"weights", OPT_STRING, &weights, "weights (.safetensors, state_dict names)", "W"},
        {"input", OPT_STRING, &input, "batch file: 'input' F32 (N, 3, H, W) and 'labels' I64 (N)", "IN"},
        {"output", OPT_STRING, &output, "file for the updated state dict and 'loss' F32 (K)", "OUT"},
        {"steps", OPT_INT, &steps, "SGD steps K (1)", "K"},
        {"lr", OPT_FLOAT, &lr, "learning rate (0.1)", "F"},
        {"momentum", OPT_FLOAT, &momentum, "momentum (0)", "F"},
        {"weight-decay", OPT_FLOAT, &weight_decay, "weight decay added to the gradient (0)", "F"},
        {"nesterov", OPT_FLAG, &nesterov, "Nesterov momentum", NULL},
        {"no-decay-bn-bias", OPT_FLAG, &no_decay_1d, "no weight decay on BN weights and biases or any bias", NULL},
        {"label-smoothing", OPT_FLOAT, &smoothing, "label smoothing of the cross-entropy (0)", "F"},
        {"dropout", OPT_FLOAT, &dropout, "dropout before the classifier (0: off, whatever the architecture)", "P"},
        {"threads", OPT_INT, &threads, "threads (default: all cores)", "T"},
    };
    senet_config cfg;
    int exit_code;
    if (parse_net_command("step", "--arch A --weights W --input IN --output OUT [options]", specs, sizeof specs / sizeof *specs, argc, argv, &net, &cfg,
                          &exit_code))
        return exit_code;
    if (!weights || !input || !output) {
        fprintf(stderr, "senet step: --weights, --input and --output are required\n");
        return 2;
    }
    if (steps < 1 || steps > 1000000) {
        fprintf(stderr, "senet step: --steps %ld is out of range (1..1000000)\n", steps);
        return 2;
    }
    if (apply_threads("step", threads))
        return 2;
    cfg.dropout = (float)dropout;
    batch_file batch;
    if (batch_file_read("step", input, 1, &batch))
        return 1;
    senet_net *model = open_net("step", &cfg, weights);
    if (!model) {
        batch_file_free(&batch);
        return 1;
    }
    senet_sgd_options opt = {(float)lr, (float)momentum, (float)weight_decay, nesterov, no_decay_1d};
    float *losses = calloc((size_t)steps, sizeof(float));
    int status = losses ? SENET_OK : SENET_ERR_NOMEM;
    for (long k = 0; k < steps && !status; k++) {
        status = senet_net_forward_backward(model, batch.input, batch.labels, batch.n, batch.h, batch.w,
                                            (float)smoothing, &losses[k]);
        if (!status)
            status = senet_sgd_step(model, &opt);
    }
    if (!status) {
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
