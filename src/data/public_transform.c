/* senet_data.h's transforms: the preprocessing pipelines behind an opaque
 * handle, and the choice `senet classify` makes for an architecture. */
#include "../base/rng.h"
#include "../base/status.h"
#include "preprocess.h"
#include "public_handles.h"

#include <stdlib.h>

#define MAX_SIZE 4096

static int check_size(int size)
{
    if (size < 0 || size > MAX_SIZE)
        return senet_fail(SENET_ERR_ARGUMENT, "transform size %d is out of range (1 to %d, or 0 for the default)", size,
                          MAX_SIZE);
    return SENET_OK;
}

static int make(const preprocess *pipeline, senet_transform **out)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return senet_fail(SENET_ERR_NOMEM, "no memory for a transform");
    (*out)->pipeline = *pipeline;
    return SENET_OK;
}

int senet_transform_create(const char *pipeline, int size, const char *normalize, senet_transform **out)
{
    if (!pipeline || !out)
        return senet_fail(SENET_ERR_ARGUMENT, "senet_transform_create: NULL pipeline name or result");
    *out = NULL;
    TRY(check_size(size));
    preprocess p;
    TRY(preprocess_preset(pipeline, size, normalize, &p));
    return make(&p, out);
}

int senet_transform_for_arch(const char *arch, int size, const char *normalize, senet_transform **out)
{
    if (!arch || !out)
        return senet_fail(SENET_ERR_ARGUMENT, "senet_transform_for_arch: NULL architecture or result");
    *out = NULL;
    TRY(check_size(size));
    int native = senet_arch_input_size(arch);
    if (native <= 0)
        return senet_fail(SENET_ERR_ARGUMENT, "unknown architecture '%s' (see senet_arch_names)", arch);
    int cifar = native == 32, side = size ? size : native;
    preprocess p, exact;
    TRY(preprocess_preset("imagenet-eval", side, normalize ? normalize : cifar ? "cifar" : "imagenet", &p));
    if (cifar) {
        p.resize = side; /* short side straight to the input size: no crop margin at 32 pixels */
        TRY(preprocess_preset("cifar-eval", side, NULL, &exact));
        exact.norm = p.norm;
    }
    TRY(make(&p, out));
    if (cifar) {
        (*out)->exact_size = side;
        (*out)->exact = exact;
    }
    return SENET_OK;
}

void senet_transform_free(senet_transform *t) { free(t); }

const preprocess *public_transform_pipeline(const senet_transform *t, int h, int w)
{
    int side = t->exact_size;
    return side && h == side && w == side ? &t->exact : &t->pipeline;
}


int senet_transform_output_size(const senet_transform *t, const senet_image *img, int *h, int *w)
{
    if (!t || !img || !h || !w)
        return senet_fail(SENET_ERR_ARGUMENT, "senet_transform_output_size: NULL argument");
    return preprocess_output_size(public_transform_pipeline(t, img->u8.h, img->u8.w), img->u8.h, img->u8.w, h, w);
}

int senet_transform_apply(const senet_transform *t, const senet_image *img, uint64_t seed, float *out,
                          size_t capacity)
{
    if (!t || !img || !out)
        return senet_fail(SENET_ERR_ARGUMENT, "senet_transform_apply: NULL argument");
    int h, w;
    TRY(senet_transform_output_size(t, img, &h, &w));
    if ((size_t)3 * h * w > capacity)
        return senet_fail(SENET_ERR_SHAPE, "the transformed image (3 x %d x %d floats) does not fit the %zu given", h,
                          w, capacity);
    rng r;
    rng_seed(&r, seed);
    return preprocess_apply(public_transform_pipeline(t, img->u8.h, img->u8.w), &img->u8, &r, out);
}
