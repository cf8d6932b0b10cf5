/* What the readers behind dataset.h share: the handle's layout and each
 * reader's open function. Not for use outside src/data/. */
#ifndef SENET_DATA_DATASET_INTERNAL_H
#define SENET_DATA_DATASET_INTERNAL_H

#include "dataset.h"

struct dataset {
    const char *format;  /* a static name: "cifar10", "cifar100", "folder", "idx" */
    int64_t count;
    int num_classes;
    char **class_names;  /* (num_classes), owned */
    int h, w;            /* native size, 0 x 0 when images vary */
    int unsplit;         /* 1: no split folders, both splits are the same images */
    int (*get)(const dataset *ds, int64_t index, image_u8 *out); /* index already checked */
    int (*label)(const dataset *ds, int64_t index);              /* index already checked */
    void (*release)(void *impl);
    void *impl;          /* the reader's own state */
    const char *(*path)(const dataset *ds, int64_t index); /* an image's file; NULL for one-file formats */
};

/* Copies N names into ds->class_names. */
int dataset_set_class_names(dataset *ds, const char *const *names, int n);

/* PATH is a folder (or, for CIFAR, a single .bin file); the readers fill ds. */
int cifar_open(dataset *ds, const char *path, int cifar100, int train);
int idx_open(dataset *ds, const char *path, int train, int fashion);
int folder_open(dataset *ds, const char *path, int train);

/* Which of the fixed-format files are in folder PATH (format detection). */
int cifar_detect(const char *dir, int *cifar100);
int idx_detect(const char *dir);

/* "DIR/NAME" into a new string (free()), NULL when out of memory. */
char *path_join(const char *dir, const char *name);

#endif
