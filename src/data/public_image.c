/* senet_data.h's images: decoding into an opaque, reusable handle. */
#include "public_handles.h"

#include "../base/status.h"
#include "decode.h"

#include <stdlib.h>
#include <string.h>

int public_image_take(senet_image **img, int *created)
{
    *created = 0;
    if (!img)
        return senet_fail(SENET_ERR_ARGUMENT, "no place for the image (NULL)");
    if (*img)
        return SENET_OK;
    *img = malloc(sizeof **img);
    if (!*img)
        return senet_fail(SENET_ERR_NOMEM, "no memory for an image handle");
    image_init(&(*img)->u8);
    *created = 1;
    return SENET_OK;
}

void public_image_release(senet_image **img, int created)
{
    if (created) {
        senet_image_free(*img);
        *img = NULL;
    }
}

int senet_image_load(const char *path, senet_image **img)
{
    if (!path)
        return senet_fail(SENET_ERR_ARGUMENT, "no image path (NULL)");
    int created;
    TRY(public_image_take(img, &created));
    int status = image_decode_file(path, &(*img)->u8);
    if (status)
        public_image_release(img, created);
    return status;
}

int senet_image_decode(const void *data, size_t size, const char *name, senet_image **img)
{
    if (!data)
        return senet_fail(SENET_ERR_ARGUMENT, "no encoded image (NULL)");
    int created;
    TRY(public_image_take(img, &created));
    int status = image_decode_memory(data, size, name ? name : "image", &(*img)->u8);
    if (status)
        public_image_release(img, created);
    return status;
}

int senet_image_from_rgb(const uint8_t *rgb, int h, int w, size_t stride, senet_image **img)
{
    if (!rgb)
        return senet_fail(SENET_ERR_ARGUMENT, "no pixels (NULL)");
    if (w > 0 && stride && stride < (size_t)w * 3)
        return senet_fail(SENET_ERR_ARGUMENT, "row stride %zu is shorter than a row of %d RGB pixels", stride, w);
    int created;
    TRY(public_image_take(img, &created));
    int status = image_resize_buffer(&(*img)->u8, h, w, "RGB pixels");
    if (status == SENET_ERR_FORMAT)
        status = SENET_ERR_ARGUMENT; /* the caller's size, not a file's */
    if (status) {
        public_image_release(img, created);
        return status;
    }
    size_t row = (size_t)w * 3;
    for (int y = 0; y < h; y++)
        memcpy((*img)->u8.data + (size_t)y * row, rgb + (size_t)y * (stride ? stride : row), row);
    return SENET_OK;
}

void senet_image_free(senet_image *img)
{
    if (!img)
        return;
    image_free(&img->u8);
    free(img);
}

int senet_image_height(const senet_image *img) { return img ? img->u8.h : 0; }
int senet_image_width(const senet_image *img) { return img ? img->u8.w : 0; }
const uint8_t *senet_image_pixels(const senet_image *img) { return img ? img->u8.data : NULL; }
