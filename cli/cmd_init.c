/* senet init: a freshly initialised net written as safetensors. */
#include "args.h"
#include "commands.h"

#include <stdio.h>

int cmd_init(int argc, char **argv)
{
    net_options net = {0};
    const char *output = NULL;
    long seed = 0;
    option_spec specs[] = {
        NET_OPTION_SPECS(&net),
        {"seed", OPT_INT, &seed, "random seed (0)", "S"},
        {"output", OPT_STRING, &output, "weights file to write (.safetensors)", "W"},
    };
    senet_config cfg;
    int exit_code;
    if (parse_net_command("init", "--arch A --output W [--seed S] [options]", specs, sizeof specs / sizeof *specs,
                          argc, argv, &net, &cfg, &exit_code))
        return exit_code;
    if (!output) {
        fprintf(stderr, "senet init: --output is required\n");
        return 2;
    }
    senet_net *model = open_net("init", &cfg, NULL);
    if (!model)
        return 1;
    int status = senet_net_init(model, (uint64_t)seed);
    if (!status)
        status = senet_net_save(model, output);
    if (status)
        cli_error("init", "", status);
    senet_net_free(model);
    return status ? 1 : 0;
}
