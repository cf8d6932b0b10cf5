/* The four pipelines of preprocess.h and the normalisation presets. The
 * CIFAR pipelines index the 8-bit image directly (a crop of a padded image
 * is a shifted read); the ImageNet ones resample into a float scratch
 * buffer first. Every pipeline ends in normalise_chw, which also flips. */
#include "preprocess.h"

#include "../base/status.h"
#include "draw.h"
#include "resize.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct norm_preset {
    const char *name;
    normalization norm;
} norm_preset;

static const norm_preset norm_presets[] = {
    {"imagenet", {0, 1.0f / 255, {0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}}},
    {"caffe", {1, 1.0f, {104.0f, 117.0f, 123.0f}, {1.0f, 1.0f, 1.0f}}},
    {"cifar", {0, 1.0f / 255, {0.4914f, 0.4822f, 0.4465f}, {0.2470f, 0.2435f, 0.2616f}}},
    {"mnist", {0, 1.0f / 255, {0.1307f, 0.1307f, 0.1307f}, {0.3081f, 0.3081f, 0.3081f}}},
    {"unit", {0, 1.0f / 255, {0, 0, 0}, {1.0f, 1.0f, 1.0f}}},
};

int normalization_preset(const char *name, normalization *out)
{
    for (size_t i = 0; i < sizeof norm_presets / sizeof norm_presets[0]; i++)
        if (strcmp(name, norm_presets[i].name) == 0) {
            *out = norm_presets[i].norm;
            return SENET_OK;
        }
    return senet_fail(SENET_ERR_ARGUMENT, "unknown normalisation '%s' (imagenet, caffe, cifar, mnist, unit)", name);
}

int preprocess_preset(const char *name, int size, const char *norm, preprocess *out)
{
    memset(out, 0, sizeof *out);
    if (size < 0 || size > IMAGE_MAX_SIDE)
        return senet_fail(SENET_ERR_ARGUMENT, "preprocessing size %d is out of range", size);
    int cifar = 1;
    if (strcmp(name, "cifar-train") == 0) {
        out->kind = PREPROCESS_CIFAR_TRAIN;
        out->out_h = out->out_w = size ? size : 32;
        out->pad = 4;
        out->flip = 1;
    } else if (strcmp(name, "cifar-eval") == 0) {
        out->kind = PREPROCESS_CIFAR_EVAL;
        out->out_h = out->out_w = size;
    } else if (strcmp(name, "imagenet-train") == 0) {
        out->kind = PREPROCESS_IMAGENET_TRAIN;
        out->out_h = out->out_w = size ? size : 224;
        out->flip = 1;
        out->scale_min = 0.08f;
        out->scale_max = 1.0f;
        out->ratio_min = 3.0f / 4.0f;
        out->ratio_max = 4.0f / 3.0f;
        cifar = 0;
    } else if (strcmp(name, "imagenet-eval") == 0) {
        out->kind = PREPROCESS_IMAGENET_EVAL;
        out->out_h = out->out_w = size ? size : 224;
        out->resize = (int)lround(out->out_h * 256.0 / 224.0);
        cifar = 0;
    } else {
        return senet_fail(SENET_ERR_ARGUMENT,
                          "unknown preprocessing '%s' (cifar-train, cifar-eval, imagenet-train, imagenet-eval)", name);
    }
    return normalization_preset(norm ? norm : cifar ? "cifar" : "imagenet", &out->norm);
}

int preprocess_output_size(const preprocess *p, int in_h, int in_w, int *out_h, int *out_w)
{
    *out_h = p->out_h;
    *out_w = p->out_w;
    if (p->kind == PREPROCESS_CIFAR_EVAL) {
        int pad = p->pad > 0 ? p->pad : 0;
        if (p->out_h == 0 && p->out_w == 0) {
            *out_h = in_h > 0 ? in_h + 2 * pad : 0;
            *out_w = in_w > 0 ? in_w + 2 * pad : 0;
        } else if (in_h > 0 && (in_h + 2 * pad != p->out_h || in_w + 2 * pad != p->out_w)) {
            if (pad)
                return senet_fail(SENET_ERR_SHAPE, "a %dx%d image padded by %d does not fit a %dx%d pipeline", in_w,
                                  in_h, pad, p->out_w, p->out_h);
            return senet_fail(SENET_ERR_SHAPE, "a %dx%d image does not fit a %dx%d pipeline without resizing", in_w,
                              in_h, p->out_w, p->out_h);
        }
    }
    if (*out_h <= 0 || *out_w <= 0)
        return senet_fail(SENET_ERR_SHAPE, "the output size of the preprocessing is not known (image size not given)");
    return SENET_OK;
}

/* SRC (h, w, 3) pixel values in 0..255 -> OUT (3, h, w) normalised, the
 * columns reversed when flip is set. */
static void normalise_chw(const normalization *n, const float *src, int h, int w, int flip, float *out)
{
    for (int c = 0; c < 3; c++) {
        int sc = n->bgr ? 2 - c : c;
        float a = n->scale / n->std[c], b = -n->mean[c] / n->std[c];
        float *dst = out + (size_t)c * (size_t)h * (size_t)w;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                int sx = flip ? w - 1 - x : x;
                dst[(size_t)y * w + x] = src[((size_t)y * w + sx) * 3 + sc] * a + b;
            }
    }
}

/* cifar-train and cifar-eval: a window of the zero-padded image, read
 * directly; (top, left) in padded coordinates. */
static void cifar_window(const preprocess *p, const image_u8 *img, int top, int left, int pad, int oh, int ow,
                         int flip, float *out)
{
    const normalization *n = &p->norm;
    for (int c = 0; c < 3; c++) {
        int sc = n->bgr ? 2 - c : c;
        float a = n->scale / n->std[c], b = -n->mean[c] / n->std[c];
        float *dst = out + (size_t)c * (size_t)oh * (size_t)ow;
        for (int y = 0; y < oh; y++) {
            int sy = y + top - pad;
            for (int x = 0; x < ow; x++) {
                int sx = (flip ? ow - 1 - x : x) + left - pad;
                int v = sy >= 0 && sy < img->h && sx >= 0 && sx < img->w
                            ? img->data[((size_t)sy * (size_t)img->w + (size_t)sx) * 3 + sc]
                            : 0;
                dst[(size_t)y * ow + x] = (float)v * a + b;
            }
        }
    }
}

/* torchvision's RandomResizedCrop.get_params: (top, left, h, w). */
static void random_resized_box(const preprocess *p, int H, int W, rng *r, int *top, int *left, int *h, int *w)
{
    double area = (double)H * W, lr0 = log(p->ratio_min), lr1 = log(p->ratio_max);
    for (int attempt = 0; attempt < 10; attempt++) {
        double target = area * draw_uniform(r, p->scale_min, p->scale_max);
        double ratio = exp(draw_uniform(r, lr0, lr1));
        int cw = (int)nearbyint(sqrt(target * ratio)), ch = (int)nearbyint(sqrt(target / ratio));
        if (cw > 0 && cw <= W && ch > 0 && ch <= H) {
            *top = (int)draw_below(r, (uint64_t)(H - ch + 1));
            *left = (int)draw_below(r, (uint64_t)(W - cw + 1));
            *h = ch;
            *w = cw;
            return;
        }
    }
    double in_ratio = (double)W / H;
    if (in_ratio < p->ratio_min) {
        *w = W;
        *h = (int)nearbyint(W / p->ratio_min);
    } else if (in_ratio > p->ratio_max) {
        *h = H;
        *w = (int)nearbyint(H * p->ratio_max);
    } else {
        *w = W;
        *h = H;
    }
    *h = *h < 1 ? 1 : *h > H ? H : *h;
    *w = *w < 1 ? 1 : *w > W ? W : *w;
    *top = (H - *h) / 2;
    *left = (W - *w) / 2;
}

/* torchvision's centre-crop offset for a size difference x = image - crop:
 * Python's round(x / 2), halves to the even neighbour; when the crop is the
 * larger (x < 0) it pads floor(-x / 2) before and the rest after. */
static int centre_offset(int x)
{
    return x >= 0 ? (int)nearbyint(x / 2.0) : -(-x / 2);
}

static int imagenet(const preprocess *p, const image_u8 *img, rng *r, int oh, int ow, float *out)
{
    float *tmp = malloc((size_t)oh * (size_t)ow * 3 * sizeof *tmp); /* (oh, ow, 3) in 0..255 */
    if (!tmp)
        return senet_fail(SENET_ERR_NOMEM, "cannot allocate a %dx%d preprocessing buffer", ow, oh);
    int status, flip = 0;
    if (p->kind == PREPROCESS_IMAGENET_TRAIN) {
        int top, left, h, w;
        random_resized_box(p, img->h, img->w, r, &top, &left, &h, &w);
        status = resize_bilinear(img, top, left, h, w, oh, ow, 0, 0, oh, ow, tmp);
        flip = p->flip && rng_uniform(r) < 0.5;
    } else {
        int rh, rw; /* the image resized so its short side is p->resize */
        if (img->w <= img->h) {
            rw = p->resize;
            rh = (int)((long long)p->resize * img->h / img->w);
        } else {
            rh = p->resize;
            rw = (int)((long long)p->resize * img->w / img->h);
        }
        status = resize_bilinear(img, 0, 0, img->h, img->w, rh, rw, centre_offset(rh - oh), centre_offset(rw - ow),
                                 oh, ow, tmp);
    }
    if (status == SENET_OK)
        normalise_chw(&p->norm, tmp, oh, ow, flip, out);
    free(tmp);
    return status;
}

static int check_parameters(const preprocess *p, const image_u8 *img, rng *r)
{
    if (img->h <= 0 || img->w <= 0 || !img->data)
        return senet_fail(SENET_ERR_ARGUMENT, "preprocess: empty image");
    for (int c = 0; c < 3; c++)
        if (!(p->norm.std[c] != 0))
            return senet_fail(SENET_ERR_ARGUMENT, "preprocess: normalisation std of channel %d is 0", c);
    int train = p->kind == PREPROCESS_CIFAR_TRAIN || p->kind == PREPROCESS_IMAGENET_TRAIN;
    if (train && !r)
        return senet_fail(SENET_ERR_ARGUMENT, "preprocess: a train pipeline needs a random stream");
    if (p->kind == PREPROCESS_IMAGENET_TRAIN &&
        !(p->scale_min > 0 && p->scale_min <= p->scale_max && p->scale_max <= 1 && p->ratio_min > 0 &&
          p->ratio_min <= p->ratio_max))
        return senet_fail(SENET_ERR_ARGUMENT, "preprocess: crop scale [%g, %g] or ratio [%g, %g] is invalid",
                          p->scale_min, p->scale_max, p->ratio_min, p->ratio_max);
    if (p->kind == PREPROCESS_IMAGENET_EVAL && (p->resize <= 0 || p->resize > IMAGE_MAX_SIDE))
        return senet_fail(SENET_ERR_ARGUMENT, "preprocess: resize to %d is out of range", p->resize);
    if (p->kind == PREPROCESS_CIFAR_TRAIN && (p->pad < 0 || img->h + 2 * p->pad < p->out_h || img->w + 2 * p->pad < p->out_w))
        return senet_fail(SENET_ERR_SHAPE, "a %dx%d image padded by %d is smaller than the %dx%d crop", img->w, img->h,
                          p->pad, p->out_w, p->out_h);
    return SENET_OK;
}

int preprocess_apply(const preprocess *p, const image_u8 *img, rng *r, float *out)
{
    int oh, ow;
    TRY(check_parameters(p, img, r));
    TRY(preprocess_output_size(p, img->h, img->w, &oh, &ow));
    switch (p->kind) {
    case PREPROCESS_CIFAR_TRAIN: {
        int top = (int)draw_below(r, (uint64_t)(img->h + 2 * p->pad - oh + 1));
        int left = (int)draw_below(r, (uint64_t)(img->w + 2 * p->pad - ow + 1));
        int flip = p->flip && rng_uniform(r) < 0.5;
        cifar_window(p, img, top, left, p->pad, oh, ow, flip, out);
        return SENET_OK;
    }
    case PREPROCESS_CIFAR_EVAL:
        cifar_window(p, img, 0, 0, p->pad > 0 ? p->pad : 0, oh, ow, 0, out);
        return SENET_OK;
    case PREPROCESS_IMAGENET_TRAIN:
    case PREPROCESS_IMAGENET_EVAL:
        return imagenet(p, img, r, oh, ow, out);
    }
    return senet_fail(SENET_ERR_ARGUMENT, "preprocess: unknown pipeline kind %d", (int)p->kind);
}
