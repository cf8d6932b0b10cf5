/* A decoded image in memory (floor 5: data): 8-bit RGB, channels last.
 *
 * Every reader hands images over in this one form: grey sources are
 * expanded to three equal channels, palettes and higher bit depths are
 * reduced to 8-bit RGB, alpha is dropped (as PIL's convert("RGB") does).
 * The buffer is reused across calls: a reader grows it only when an image
 * does not fit, so a loop over a dataset allocates once. */
#ifndef SENET_DATA_IMAGE_H
#define SENET_DATA_IMAGE_H

#include <stddef.h>
#include <stdint.h>

/* Limits that turn absurd headers into errors before any allocation. */
#define IMAGE_MAX_SIDE 30000
#define IMAGE_MAX_PIXELS 100000000ull /* 300 MB of RGB */

typedef struct image_u8 {
    int h, w;          /* size in pixels */
    uint8_t *data;     /* (h, w, 3) R, G, B, row-major */
    size_t capacity;   /* bytes allocated at data */
    int label;         /* class index, set by dataset_get; -1 when unknown */
} image_u8;

/* An empty image: no buffer, size 0 x 0, label -1. */
void image_init(image_u8 *img);
/* Releases the buffer and leaves the image empty. */
void image_free(image_u8 *img);
/* Sets the size to h x w, growing the buffer if needed (contents undefined).
 * SENET_ERR_FORMAT for a size outside the limits above, SENET_ERR_NOMEM. */
int image_resize_buffer(image_u8 *img, int h, int w, const char *name);

#endif
