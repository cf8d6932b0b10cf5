/* What the public data calls (senet_data.h) share: the image handle is the
 * data floor's image_u8 behind an opaque name. */
#ifndef SENET_DATA_PUBLIC_IMAGE_H
#define SENET_DATA_PUBLIC_IMAGE_H

#include "image.h"
#include "senet_data.h"

struct senet_image {
    image_u8 u8;
};

/* *IMG itself, or a new empty image stored there when it is NULL. On a
 * failure that follows, the caller frees a new image with
 * public_image_release so that a reused one is never lost. */
int public_image_take(senet_image **img, int *created);
void public_image_release(senet_image **img, int created);

#endif
