/* The rows of the architecture table, after the layouts of REFERENCE.md
 * (Cadene's pretrainedmodels senet.py for the ImageNet nets; He et al. 2016
 * for the CIFAR nets). */
#include "arch.h"

#include <string.h>

#define IMAGENET_PLANES {64, 128, 256, 512}
#define CIFAR_PLANES {16, 32, 64, 0}

/* name, stem, block, widths, stride_in_conv1, stages, blocks, planes, expansion, groups, base_width,
 * shortcut kernel, dropout, classes, SE, input size */
#define RESNET(nm, b1, b2, b3, b4, se) \
    {nm, STEM_CONV7, BLOCK_BOTTLENECK, WIDTH_RESNET, 1, 4, {b1, b2, b3, b4}, IMAGENET_PLANES, 4, 1, 64, 1, 0, 1000, se, 224}
#define RESNEXT(nm, b1, b2, b3, b4, se) \
    {nm, STEM_CONV7, BLOCK_BOTTLENECK, WIDTH_RESNEXT, 0, 4, {b1, b2, b3, b4}, IMAGENET_PLANES, 4, 32, 4, 1, 0, 1000, se, 224}
#define CIFAR_BASIC(nm, n, se) \
    {nm, STEM_CIFAR, BLOCK_BASIC, WIDTH_RESNET, 1, 3, {n, n, n, 0}, CIFAR_PLANES, 1, 1, 64, 1, 0, 10, se, 32}
#define CIFAR_PREACT(nm, n, se) \
    {nm, STEM_CIFAR_PREACT, BLOCK_PREACT_BOTTLENECK, WIDTH_RESNET, 0, 3, {n, n, n, 0}, CIFAR_PLANES, 4, 1, 64, 1, 0, 10, se, 32}

const arch_row arch_table[] = {
    RESNET("se_resnet50", 3, 4, 6, 3, 1),
    RESNET("se_resnet101", 3, 4, 23, 3, 1),
    RESNET("se_resnet152", 3, 8, 36, 3, 1),
    RESNEXT("se_resnext50_32x4d", 3, 4, 6, 3, 1),
    RESNEXT("se_resnext101_32x4d", 3, 4, 23, 3, 1),
    {"senet154", STEM_CONV3X3X3, BLOCK_BOTTLENECK, WIDTH_SENET154, 0, 4, {3, 8, 36, 3}, IMAGENET_PLANES, 4, 64, 64, 3,
     0.2f, 1000, 1, 224},
    RESNET("resnet50", 3, 4, 6, 3, 0),
    RESNET("resnet101", 3, 4, 23, 3, 0),
    RESNET("resnet152", 3, 8, 36, 3, 0),
    RESNEXT("resnext50_32x4d", 3, 4, 6, 3, 0),
    RESNEXT("resnext101_32x4d", 3, 4, 23, 3, 0),
    CIFAR_BASIC("resnet20", 3, 0),
    CIFAR_BASIC("resnet32", 5, 0),
    CIFAR_BASIC("resnet44", 7, 0),
    CIFAR_BASIC("resnet56", 9, 0),
    CIFAR_BASIC("resnet110", 18, 0),
    CIFAR_BASIC("se_resnet20", 3, 1),
    CIFAR_BASIC("se_resnet32", 5, 1),
    CIFAR_BASIC("se_resnet44", 7, 1),
    CIFAR_BASIC("se_resnet56", 9, 1),
    CIFAR_BASIC("se_resnet110", 18, 1),
    CIFAR_PREACT("resnet164", 18, 0),
    CIFAR_PREACT("se_resnet164", 18, 1),
    {0},
};

const arch_row *arch_find(const char *name)
{
    for (const arch_row *a = arch_table; a->name; a++)
        if (strcmp(a->name, name) == 0)
            return a;
    return NULL;
}

void arch_bottleneck_widths(const arch_row *a, int planes, int *width1, int *width2)
{
    switch (a->widths) {
    case WIDTH_RESNEXT:
        *width1 = *width2 = planes * a->base_width / 64 * a->groups;
        break;
    case WIDTH_SENET154:
        *width1 = planes * 2;
        *width2 = planes * 4;
        break;
    default:
        *width1 = *width2 = planes;
        break;
    }
}
