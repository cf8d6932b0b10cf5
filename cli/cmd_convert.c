/* senet convert: load weights strictly (F32, F16 or BF16) and write them as
 * F32, with the file's metadata (what it says about itself) carried over;
 * a file that had none (PyTorch's) gets the configuration and this command. */
#include "args.h"
#include "commands.h"
#include "model_file.h"

#include <stdio.h>

int cmd_convert(int argc, char **argv)
{
    net_options net = {0};
    const char *weights = NULL, *output = NULL, *labels = NULL, *normalize = NULL;
    input_size size = {0, 0};
    option_spec specs[] = {
        NET_OPTION_SPECS(&net),
        {"weights", OPT_STRING, &weights, "weights to read (.safetensors)", "W", .required = 1},
        {"output", OPT_STRING, &output, "weights to write (.safetensors, F32)", "OUT", .required = 1},
        {"labels", OPT_STRING, &labels, "class names to record, one per line (for a file that has none)", "FILE"},
        {"normalize", OPT_STRING, &normalize, "the normalisation to record: imagenet | caffe | cifar | mnist | unit", "N",
         OPT_NORMALIZE_CHOICES},
        {"input-size", OPT_SIZE, &size, "the input size to record: S or HxW", "S"},
    };
    senet_config cfg;
    senet_model_info info;
    int exit_code;
    if (parse_model_command("convert", "--weights W --output OUT [--arch A] [options]", specs,
                            sizeof specs / sizeof *specs, argc, argv, &net, &weights, &cfg, &info, &exit_code))
        return exit_code;
    int h = size.h, w = size.w;
    const char *norm;
    if (model_normalize("convert", weights, &info, normalize, &norm))
        return 2;
    if (h && info.input_h && (info.input_h != h || info.input_w != w)) {
        fprintf(stderr, "senet convert: --input-size %dx%d disagrees with %s, whose input_size is %dx%d\n", h, w,
                weights, info.input_h, info.input_w);
        return 2;
    }
    class_names names = {0};
    int rc = model_class_names("convert", weights, &info, labels, cfg.num_classes, &names);
    if (rc)
        return rc;
    senet_net *model = open_net("convert", &cfg, weights);
    int status = model ? SENET_OK : -1;
    if (!status && !info.has_config)
        status = model_set_command(model, argc, argv);
    if (!status && !info.num_class_names && labels)
        status = model_set_data_metadata(model, names.names, names.count, 0, 0, NULL);
    if (!status && !info.input_h && h)
        status = model_set_data_metadata(model, NULL, 0, h, w, NULL);
    if (!status && !info.normalize[0] && norm)
        status = model_set_data_metadata(model, NULL, 0, 0, 0, norm);
    if (!status)
        status = senet_net_save(model, output);
    if (status > 0)
        cli_error("convert", "", status);
    class_names_free(&names);
    senet_net_free(model);
    return status ? 1 : 0;
}
