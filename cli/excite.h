/* senet excite's parts: the per-class statistics of SE blocks' excitations
 * (excite_stats.c) and the paper's figures of them (excite_svg.c).
 *
 * For each chosen SE block and each class k, over the images of k: the
 * mean mu[k][c] and the standard deviation sigma[k][c] (population, ddof 0)
 * of every channel c's gate; the same over all the images ("all"). From
 * them, per block:
 *   class-specificity = sqrt( mean_c var_k(mu[k][c]) / mean_c mean_k sigma[k][c]^2 ),
 *     the spread of the class means across the chosen classes relative to
 *     the spread within a class (0: every class excites alike; 1: the
 *     classes differ as much as images of one class do; 0 when a block's
 *     gates are the same for every image, variances below 1e-12 being the
 *     rounding of the sums);
 *   class agreement = the mean over the chosen classes of the Pearson
 *     correlation, across channels, of a class's mean gates with all
 *     images' (1: every class excites in the pattern of the whole data,
 *     up to scale and offset; NaN for a block whose gates do not vary);
 *   saturation = the share of all the gate values (all images, all channels)
 *     above 0.99, and the share below 0.01. */
#ifndef SENET_CLI_EXCITE_H
#define SENET_CLI_EXCITE_H

#include <stdint.h>
#include <stdio.h>

#define EXCITE_SAT_HIGH 0.99
#define EXCITE_SAT_LOW 0.01

typedef struct excite_block {
    char name[80];        /* "layer3.2.se_module" */
    char paper_name[32];  /* "SE_4_3": the paper's SE_stage_block, stem = stage 1, blocks from 1 */
    int index;            /* the library's SE block index */
    int stage, block, channels;
    /* sums over the images, per class (classes x channels) and over all (channels) */
    double *sum, *sumsq;        /* (classes, C) */
    double *all_sum, *all_sumsq; /* (C) */
    int64_t above, below;        /* gate values > EXCITE_SAT_HIGH, < EXCITE_SAT_LOW, over all images */
    /* results (excite_finish) */
    double *mean, *std;          /* (classes, C) */
    double *all_mean, *all_std;  /* (C) */
    double specificity, agreement, sat_high, sat_low, overall_mean;
} excite_block;

typedef struct excite_run {
    int num_blocks;
    excite_block *blocks;
    int num_classes;        /* the chosen classes */
    const char **class_names;
    int64_t *class_images;  /* (num_classes) images of each chosen class */
    int64_t all_images;     /* images in "all" */
    int num_sampled;        /* channels drawn in the figures, per block */
    int **sampled;          /* (num_blocks) ascending channel indices, num_sampled (or C if fewer) each */
    const char *title;      /* e.g. "se_resnet20, CIFAR-10 test" */
} excite_run;

/* Allocates a block's sums for `classes` chosen classes; 0 or -1 (no memory). */
int excite_block_alloc(excite_block *b, int classes);
void excite_block_free(excite_block *b);
/* Adds one image's gates (C) of block b; cls: its chosen-class slot or -1 (only in "all"). */
void excite_add(excite_block *b, const float *gates, int cls);
/* Means, deviations, specificity and saturation from the sums. */
int excite_finish(excite_run *r);
/* The channels of each block drawn in the figures: `count` of them (all when
 * the block has fewer) drawn without replacement by seed, ascending. */
int excite_sample_channels(excite_run *r, int count, uint64_t seed);
void excite_run_free(excite_run *r);

/* The numbers as a table, and as one JSON object. */
void excite_print_text(FILE *out, const excite_run *r);
void excite_print_json(FILE *out, const excite_run *r, const char *arch, const char *images_per_class);

/* The largest number of classes the figures draw (one colour each). */
#define EXCITE_MAX_PLOT_CLASSES 20

/* The three figures: between classes (the paper's Figure 6: per block, each
 * class's mean excitation over the sampled channels, and all images'),
 * within a class (Figure 7: per block and class, the mean with a band of
 * +-1 std) and across depth (class-specificity and saturation by block). */
int excite_svg_between(FILE *out, const void *run);
int excite_svg_within(FILE *out, const void *run);
int excite_svg_depth(FILE *out, const void *run);

#endif
