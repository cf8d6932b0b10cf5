/* The image buffer: size checks against the limits and growth on demand. */
#include "image.h"

#include "../base/status.h"

#include <stdlib.h>

void image_init(image_u8 *img)
{
    img->h = img->w = 0;
    img->data = NULL;
    img->capacity = 0;
    img->label = -1;
}

void image_free(image_u8 *img)
{
    free(img->data);
    image_init(img);
}

int image_resize_buffer(image_u8 *img, int h, int w, const char *name)
{
    if (h <= 0 || w <= 0 || h > IMAGE_MAX_SIDE || w > IMAGE_MAX_SIDE ||
        (unsigned long long)h * (unsigned long long)w > IMAGE_MAX_PIXELS)
        return senet_fail(SENET_ERR_FORMAT, "%s: image size %d x %d is outside the limits (1 to %d a side, %llu pixels)",
                          name, w, h, IMAGE_MAX_SIDE, IMAGE_MAX_PIXELS);
    size_t bytes = (size_t)h * (size_t)w * 3;
    if (bytes > img->capacity) {
        uint8_t *p = realloc(img->data, bytes);
        if (!p)
            return senet_fail(SENET_ERR_NOMEM, "%s: cannot allocate %zu bytes for a %d x %d image", name, bytes, w, h);
        img->data = p;
        img->capacity = bytes;
    }
    img->h = h;
    img->w = w;
    return SENET_OK;
}
