/* senet forward: eval-mode logits of the batch in a safetensors file. */
#include "args.h"
#include "commands.h"
#include "io/safetensors.h"
#include "model_file.h"
#include "tensor_file.h"

#include <stdio.h>
#include <stdlib.h>

int cmd_forward(int argc, char **argv)
{
    net_options net = {0};
    const char *weights = NULL, *input = NULL, *output = NULL, *se_off = NULL;
    long threads = 0;
    option_spec specs[] = {
        NET_OPTION_SPECS(&net),
        {"weights", OPT_STRING, &weights, "weights (.safetensors, state_dict names)", "W", .required = 1},
        {"input", OPT_STRING, &input, "batch file with 'input' F32 (N, 3, H, W), normalised", "IN",
         .required = 1},
        {"output", OPT_STRING, &output, "file to write 'logits' F32 (N, K) to", "OUT", .required = 1},
        {"threads", OPT_INT, &threads, "threads (default: all cores)", "T", OPT_THREADS},
        {"se-off", OPT_STRING, &se_off, "run the SE blocks of these stages as identity (gate 1): e.g. 3 | 2,3 | all",
         "LIST"},
    };
    senet_config cfg;
    senet_model_info info;
    int exit_code;
    if (parse_model_command("forward", "--weights W --input IN --output OUT [--arch A] [options]", specs,
                            sizeof specs / sizeof *specs, argc, argv, &net, &weights, &cfg, &info, &exit_code))
        return exit_code;
    if (apply_threads("forward", threads))
        return 2;
    batch_file batch;
    if (batch_file_read("forward", input, 0, &batch))
        return 1;
    senet_net *model = open_frozen_net("forward", &cfg, weights);
    if (model && apply_se_off("forward", model, se_off)) {
        senet_net_free(model);
        batch_file_free(&batch);
        return 2;
    }
    if (!model) {
        batch_file_free(&batch);
        return 1;
    }
    float *logits = malloc((size_t)batch.n * cfg.num_classes * sizeof(float));
    int status = logits ? senet_net_forward(model, batch.input, batch.n, batch.h, batch.w, logits)
                        : SENET_ERR_NOMEM;
    if (!status) {
        st_write_entry e = {"logits", ST_F32, 2, {batch.n, cfg.num_classes}, logits};
        status = safetensors_write(output, &e, 1);
    }
    if (status)
        cli_error("forward", input, status); /* a NaN names the image and position in it */
    free(logits);
    senet_net_free(model);
    batch_file_free(&batch);
    return status ? 1 : 0;
}
