/* Opening a dataset for train/eval and choosing the preprocessing that fits
 * it and the net: CIFAR-style augmentation (pad, crop, flip) and CIFAR
 * statistics for small images (CIFAR and MNIST files, and folders of small
 * images such as the CIFAR JPEG archive), ImageNet-style random resized crops
 * for folders of photos. */
#ifndef SENET_CLI_DATA_SETUP_H
#define SENET_CLI_DATA_SETUP_H

#include "data/dataset.h"
#include "data/loader.h"
#include "data/preprocess.h"

typedef struct data_choice {
    const char *path, *format;  /* --data, --data-format (NULL: detect) */
    const char *normalize;      /* --normalize (NULL: by dataset) */
    const char *augment;        /* --augment cifar | imagenet (NULL: by the images' size) */
    int input_size;             /* 0: the net's usual size for folders, the image size otherwise */
    double val_split;           /* --val-split: > 0 takes both parts from the train split (dataset_hold_out) */
    uint64_t split_seed;        /* the seed of that split */
} data_choice;

/* The options that name a dataset, for a command's option table. */
#define DATA_OPTION_SPECS(d)                                                                                    \
    {"data", OPT_STRING, &(d)->path, "dataset: CIFAR binary files, an image folder, or IDX files", "PATH",        \
     .required = 1},                                                                                            \
    {"data-format", OPT_STRING, &(d)->format,                                                                   \
     "cifar10 | cifar100 | folder | idx | mnist | fashion-mnist (default: detected)", "F",                      \
     OPT_CHOICES("cifar10", "cifar100", "folder", "idx", "mnist", "fashion-mnist")},                            \
    {"normalize", OPT_STRING, &(d)->normalize, "imagenet | caffe | cifar | mnist | unit (default: by dataset)", "N", \
     OPT_NORMALIZE_CHOICES}

/* --augment, the same words for train, eval and excite */
#define DATA_AUGMENT_CHOICES OPT_CHOICES("cifar", "imagenet")

/* Folders whose first image has a side up to this are treated as a set of
 * small fixed-size images: a random resized crop of 8% of a 32x32 image
 * leaves too little to learn from. */
#define DATA_SMALL_IMAGE_SIDE 64

/* Opens the split and fills prep for training (augment = 1) or evaluation.
 * With val_split, "train" is the kept part of the train split and "test"
 * the held-out part. Prints an error naming the data and returns the exit
 * status: 1 on a failure, 2 for a choice that does not fit the data (an
 * explicit --augment cifar for images it cannot crop). */
int data_open(const char *command, const data_choice *c, int train, int augment, dataset **ds, preprocess *prep,
              int arch_input_size);

/* One line for the user: which pipeline prep is, e.g. "CIFAR augmentation
 * (pad 4, random 32x32 crop, flip)". */
void data_describe(const preprocess *prep, char *buf, size_t size);

/* The name of prep's normalisation preset (imagenet, caffe, cifar, mnist,
 * unit), or NULL when it is none of them. */
const char *data_normalization_name(const preprocess *prep);

/* A loader over ds, of this rank's shard of each batch of `batch` (all
 * ranks together) under mpirun; prints the error. */
loader *data_loader(const char *command, const dataset *ds, const preprocess *prep, int batch, uint64_t seed,
                    int shuffle);

#endif
