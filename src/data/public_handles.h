/* What the public data calls (senet_data.h) share: each opaque handle is a
 * structure of the data floor behind a public name. */
#ifndef SENET_DATA_PUBLIC_HANDLES_H
#define SENET_DATA_PUBLIC_HANDLES_H

#include "dataset.h"
#include "image.h"
#include "preprocess.h"
#include "senet_data.h"

struct senet_image {
    image_u8 u8;
};

struct senet_transform {
    preprocess pipeline;
    /* for_arch on a CIFAR net: an image of exactly the input size is used
     * pixel for pixel, as the test set is, instead of being resampled */
    int exact_size;
    preprocess exact;
};

struct senet_dataset {
    dataset *reader;
};

/* *IMG itself, or a new empty image stored there when it is NULL. On a
 * failure that follows, the caller frees a new image with
 * public_image_release so that a reused one is never lost. */
int public_image_take(senet_image **img, int *created);
void public_image_release(senet_image **img, int created);

/* The pipeline T applies to an image of h x w. */
const preprocess *public_transform_pipeline(const senet_transform *t, int h, int w);

#endif
