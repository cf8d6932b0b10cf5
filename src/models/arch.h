/* The architecture table (floor 4): one row per named network. SE-ResNet-50
 * and SENet-154 differ by a row, not by code; the SE options are the
 * config's, so every architecture gets every SE variant. */
#ifndef SENET_MODELS_ARCH_H
#define SENET_MODELS_ARCH_H

typedef enum stem_kind {
    STEM_CONV7,       /* conv 7x7/2 64, BN, ReLU, max pool 3x3/2 ceil (Cadene layer0) */
    STEM_CONV3X3X3,   /* three conv 3x3 (64/2, 64, 128) each + BN + ReLU, max pool (SENet-154) */
    STEM_CIFAR,       /* conv 3x3 16, BN, ReLU */
    STEM_CIFAR_PREACT /* conv 3x3 16 alone: the blocks pre-activate */
} stem_kind;

typedef enum block_kind {
    BLOCK_BOTTLENECK,        /* 1x1, 3x3, 1x1 (x expansion), post-activation */
    BLOCK_BASIC,             /* 3x3, 3x3 (CIFAR ResNets) */
    BLOCK_PREACT_BOTTLENECK  /* BN-ReLU-conv, three times (ResNet-164) */
} block_kind;

/* How a bottleneck's inner widths follow from `planes`. */
typedef enum width_rule {
    WIDTH_RESNET,   /* conv1 = conv2 = planes */
    WIDTH_RESNEXT,  /* conv1 = conv2 = floor(planes * base_width / 64) * groups */
    WIDTH_SENET154  /* conv1 = planes * 2, conv2 = planes * 4 */
} width_rule;

typedef struct arch_row {
    const char *name;
    stem_kind stem;
    block_kind block;
    width_rule widths;
    int stride_in_conv1;    /* SE-ResNet puts the stride in the first 1x1 (Caffe style) */
    int num_stages;
    int blocks[4];
    int planes[4];
    int expansion;
    int groups, base_width;
    int shortcut_kernel;    /* of the projection shortcut in stages 2.. (stage 1 is always 1x1) */
    float dropout;          /* before the classifier */
    int num_classes;        /* default */
    int has_se;             /* default: SE in every stage */
    int input_size;         /* the size it is usually run at */
} arch_row;

/* NULL if the name is unknown. */
const arch_row *arch_find(const char *name);
/* The rows, terminated by a row with a NULL name. */
extern const arch_row arch_table[];

/* Channel widths of a bottleneck's first and second convolution. */
void arch_bottleneck_widths(const arch_row *a, int planes, int *width1, int *width2);

#endif
