#include "finetune.h"
#include "args.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The stages of NET: the count senet_net_describe gives less the stem and the head. */
static int stage_count(const senet_net *net)
{
    uint64_t macs;
    int parts = 0;
    if (senet_net_describe(net, 224, 224, &macs, NULL, &parts) != SENET_OK) /* size only sizes the figures */
        return 0;
    return parts - 2;
}

int parse_freeze(const char *command, const char *list, const senet_net *net, unsigned *stages)
{
    *stages = 0;
    if (!list || strcmp(list, "none") == 0)
        return 0;
    int n = stage_count(net);
    const char *p = list;
    while (*p) {
        size_t len = strcspn(p, ",");
        char name[32];
        if (len == 0 || len >= sizeof name) {
            fprintf(stderr, "senet %s: --freeze '%s': expected names like stem,layer1 separated by commas\n",
                    command, list);
            return -1;
        }
        memcpy(name, p, len);
        name[len] = '\0';
        char *end;
        long s = -1;
        if (strcmp(name, "stem") == 0 || strcmp(name, "layer0") == 0)
            s = 0;
        else if (strcmp(name, "all") == 0)
            *stages |= (1u << (n + 1)) - 1;
        else if (strncmp(name, "layer", 5) == 0 && name[5]) {
            s = strtol(name + 5, &end, 10);
            if (*end || s < 1)
                s = -2;
        } else {
            s = -2;
        }
        if (s == -2 || s > n) {
            fprintf(stderr, "senet %s: --freeze: '%s' is not a stage of %s (stem, layer1..layer%d, all)\n", command,
                    name, senet_net_config(net)->arch, n);
            return -1;
        }
        if (s >= 0)
            *stages |= 1u << s;
        p += len + (p[len] == ',');
    }
    if (*stages & (*stages + 1)) {
        fprintf(stderr, "senet %s: --freeze %s: only a leading run of stages can be frozen (the stem, then layer1, "
                        "layer2, ... in order), as training starts where the frozen part ends\n",
                command, list);
        return -1;
    }
    return 0;
}

int apply_freeze(const char *command, const char *list, senet_net *net)
{
    unsigned stages;
    if (parse_freeze(command, list, net, &stages))
        return -1;
    int status = senet_net_freeze_stages(net, stages);
    if (status) {
        cli_error(command, "--freeze", status);
        return -1;
    }
    return 0;
}

void freeze_describe(unsigned stages, char *buf, int size)
{
    int len = snprintf(buf, (size_t)size, "%s", stages ? "" : "none");
    for (int s = 0; s < 5 && len < size; s++)
        if (stages >> s & 1u)
            len += snprintf(buf + len, (size_t)(size - len), s == 0 ? "stem" : len ? ",layer%d" : "layer%d", s);
}
