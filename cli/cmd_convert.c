/* senet convert: load weights strictly (F32, F16 or BF16) and write them as F32. */
#include "args.h"
#include "commands.h"

#include <stdio.h>

int cmd_convert(int argc, char **argv)
{
    net_options net = {0};
    const char *weights = NULL, *output = NULL;
    option_spec specs[] = {
        NET_OPTION_SPECS(&net),
        {"weights", OPT_STRING, &weights, "weights to read (.safetensors)", "W"},
        {"output", OPT_STRING, &output, "weights to write (.safetensors, F32)", "OUT"},
    };
    senet_config cfg;
    int exit_code;
    if (parse_net_command("convert", "--arch A --weights W --output OUT [options]", specs, sizeof specs / sizeof *specs, argc, argv, &net, &cfg,
                          &exit_code))
        return exit_code;
    if (!weights || !output) {
        fprintf(stderr, "senet convert: --weights and --output are required\n");
        return 2;
    }
    senet_net *model = open_net("convert", &cfg, weights);
    if (!model)
        return 1;
    int status = senet_net_save(model, output);
    if (status)
        cli_error("convert", "", status);
    senet_net_free(model);
    return status ? 1 : 0;
}
