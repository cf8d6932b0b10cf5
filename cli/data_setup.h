/* Opening a dataset for train/eval and choosing the preprocessing that fits
 * it and the net: CIFAR-style augmentation for small fixed-size images,
 * ImageNet-style crops for image folders. */
#ifndef SENET_CLI_DATA_SETUP_H
#define SENET_CLI_DATA_SETUP_H

#include "data/dataset.h"
#include "data/loader.h"
#include "data/preprocess.h"

typedef struct data_choice {
    const char *path, *format;  /* --data, --data-format (NULL: detect) */
    const char *normalize;      /* --normalize (NULL: by dataset) */
    int input_size;             /* 0: the net's usual size for folders, the image size otherwise */
} data_choice;

/* Opens the split and fills prep for training (augment = 1) or evaluation.
 * Prints an error naming the data and returns -1 on failure. */
int data_open(const char *command, const data_choice *c, int train, int augment, dataset **ds, preprocess *prep,
              int arch_input_size);

/* A loader over ds, of this rank's shard of each batch of `batch` (all
 * ranks together) under mpirun; prints the error. */
loader *data_loader(const char *command, const dataset *ds, const preprocess *prep, int batch, uint64_t seed,
                    int shuffle);

#endif
