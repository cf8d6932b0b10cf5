/* senet init: a freshly initialised net written as safetensors, with the
 * metadata every senet file carries (the configuration, the input size and
 * normalisation the architecture is usually run with, the command). */
#include "args.h"
#include "commands.h"
#include "model_file.h"

#include <stdio.h>

int cmd_init(int argc, char **argv)
{
    net_options net = {0};
    const char *output = NULL, *labels = NULL;
    long seed = 0;
    option_spec specs[] = {
        NET_OPTION_SPECS(&net),
        {"seed", OPT_INT, &seed, "random seed (0)", "S", OPT_SEED},
        {"output", OPT_STRING, &output, "weights file to write (.safetensors)", "W", .required = 1},
        {"labels", OPT_STRING, &labels, "class names to record, one per line", "FILE"},
    };
    senet_config cfg;
    int exit_code;
    if (parse_net_command("init", "--arch A --output W [--seed S] [options]", specs, sizeof specs / sizeof *specs,
                          argc, argv, &net, &cfg, &exit_code))
        return exit_code;
    class_names names = {0};
    int rc = labels ? class_names_load("init", labels, cfg.num_classes, &names) : 0;
    if (rc)
        return rc;
    senet_net *model = open_net("init", &cfg, NULL);
    if (!model) {
        class_names_free(&names);
        return 1;
    }
    int size = senet_arch_input_size(cfg.arch);
    int status = senet_net_init(model, (uint64_t)seed);
    if (!status)
        status = model_set_command(model, argc, argv);
    if (!status)
        status = model_set_data_metadata(model, names.names, names.count, size, size, size == 32 ? "cifar" : "imagenet");
    if (!status)
        status = senet_net_save(model, output);
    if (status)
        cli_error("init", "", status);
    class_names_free(&names);
    senet_net_free(model);
    return status ? 1 : 0;
}
