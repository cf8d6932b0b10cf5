/* senet info: what an architecture is — parameters, multiply-adds at an
 * input size, and a per-stage table; --json for scripts, --list for names. */
#include "args.h"
#include "commands.h"

#include <stdio.h>
#include <string.h>

static const char *const squeeze_names[] = {"avg", "max"}, *const gate_names[] = {"sigmoid", "tanh", "relu"},
                         *const mode_names[] = {"standard", "pre", "post", "identity"};


static void stages_text(unsigned mask, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int s = 0; s < 4; s++)
        if (mask & (1u << s))
            len += (size_t)snprintf(buf + len, size - len, len ? ",%d" : "%d", s + 1);
    if (!mask)
        snprintf(buf, size, "none");
}

static void print_json(const senet_net *net, int h, int w, uint64_t macs, const senet_stage_info *st, int ns)
{
    const senet_config *c = senet_net_config(net);
    char stages[16];
    stages_text(c->se.stages, stages, sizeof stages);
    printf("{\"arch\": \"%s\", \"num_classes\": %d, \"input_size\": [%d, %d], \"params\": %zu, \"macs\": %llu, "
           "\"se\": {\"reduction\": %d, \"squeeze\": \"%s\", \"gate\": \"%s\", \"mode\": \"%s\", \"stages\": \"%s\", "
           "\"bias\": %s}, \"stages\": [",
           c->arch, c->num_classes, h, w, senet_net_num_params(net), (unsigned long long)macs, c->se.reduction,
           squeeze_names[c->se.squeeze], gate_names[c->se.gate], mode_names[c->se.mode], stages,
           c->se.bias ? "true" : "false");
    for (int i = 0; i < ns; i++)
        printf("%s{\"name\": \"%s\", \"blocks\": %d, \"output\": [%d, %d, %d], \"params\": %zu, \"macs\": %llu}",
               i ? ", " : "", st[i].name, st[i].blocks, st[i].out_channels, st[i].out_h, st[i].out_w, st[i].params,
               (unsigned long long)st[i].macs);
    printf("]}\n");
}

static void print_table(const senet_net *net, int h, int w, uint64_t macs, const senet_stage_info *st, int ns)
{
    const senet_config *c = senet_net_config(net);
    char stages[16];
    stages_text(c->se.stages, stages, sizeof stages);
    printf("%s: %zu parameters, %.3f G multiply-adds at %dx%d, %d classes\n", c->arch, senet_net_num_params(net),
           macs / 1e9, h, w, c->num_classes);
    if (c->se.stages)
        printf("SE: reduction %d, squeeze %s, gate %s, mode %s, stages %s, biases %s\n", c->se.reduction,
               squeeze_names[c->se.squeeze], gate_names[c->se.gate], mode_names[c->se.mode], stages,
               c->se.bias ? "on" : "off");
    else
        printf("SE: none\n");
    printf("\n%-8s %6s %18s %14s %16s\n", "stage", "blocks", "output (C x H x W)", "parameters", "multiply-adds");
    for (int i = 0; i < ns; i++) {
        char out[32];
        snprintf(out, sizeof out, "%d x %d x %d", st[i].out_channels, st[i].out_h, st[i].out_w);
        printf("%-8s %6d %18s %14zu %16llu\n", st[i].name, st[i].blocks, out, st[i].params,
               (unsigned long long)st[i].macs);
    }
}

int cmd_info(int argc, char **argv)
{
    net_options net = {0};
    input_size size = {0, 0};
    int json = 0, list = 0;
    option_spec specs[] = {
        NET_OPTION_SPECS(&net),
        {"input-size", OPT_SIZE, &size, "input size S or HxW (default: 224 ImageNet, 32 CIFAR)", "S"},
        {"json", OPT_FLAG, &json, "print one JSON object", NULL},
        {"list", OPT_FLAG, &list, "list the architectures", NULL},
    };
    int rc = parse_options("info", "--arch A [options]", specs, sizeof specs / sizeof *specs, argc, argv, 2);
    if (rc)
        return rc > 0 ? 0 : 2;
    if (list) {
        for (size_t i = 0; i < sizeof specs / sizeof *specs; i++)
            if (specs[i].given && specs[i].value != &list) {
                fprintf(stderr, "senet info: --%s does not apply to --list, which takes no other option\n",
                        specs[i].name);
                return 2;
            }
        for (const char *const *n = senet_arch_names(); *n; n++)
            printf("%s\n", *n);
        return 0;
    }
    senet_config cfg;
    if (net_config_from_options(&net, &cfg))
        return 2;
    int h = size.h ? size.h : senet_arch_input_size(cfg.arch), w = size.h ? size.w : h;
    senet_net *model = NULL;
    int status = senet_net_create(&cfg, &model);
    if (status) {
        cli_error("info", "", status);
        return 1;
    }
    uint64_t macs;
    senet_stage_info stages[6];
    int ns;
    status = senet_net_describe(model, h, w, &macs, stages, &ns);
    if (status)
        cli_error("info", "", status);
    else if (json)
        print_json(model, h, w, macs, stages, ns);
    else
        print_table(model, h, w, macs, stages, ns);
    senet_net_free(model);
    return status ? 1 : 0;
}
