/* Preprocessing and augmentation: an RGB image to a normalised float
 * (3, H, W) tensor (floor 5: data).
 *
 * Four pipelines, as torchvision writes them for the published recipes:
 *   cifar-train     pad `pad` pixels of 0 on each side, random out_h x out_w
 *                   crop, horizontal flip with probability 1/2, normalise
 *                   (RandomCrop(32, padding=4), RandomHorizontalFlip)
 *   cifar-eval      normalise only, after `pad` pixels of 0 on each side
 *                   (0 by default; the padded image must have the output
 *                   size; 0 x 0 takes the padded image's own)
 *   imagenet-train  random-resized crop: area fraction in [scale_min,
 *                   scale_max], aspect ratio log-uniform in [ratio_min,
 *                   ratio_max], ten tries then a centre crop, bilinear resize
 *                   to out_h x out_w, flip, normalise (RandomResizedCrop)
 *   imagenet-eval   resize the short side to `resize` (bilinear, the long
 *                   side in proportion, truncated), centre crop out_h x
 *                   out_w, normalise (Resize(256), CenterCrop(224))
 * Padding is a pixel value of 0 before normalisation, as torchvision pads
 * the 8-bit image. Random choices come from the rng given, drawn in
 * torchvision's order (crop, then flip). */
#ifndef SENET_DATA_PREPROCESS_H
#define SENET_DATA_PREPROCESS_H

#include "../base/rng.h"
#include "image.h"

typedef enum preprocess_kind {
    PREPROCESS_CIFAR_TRAIN,
    PREPROCESS_CIFAR_EVAL,
    PREPROCESS_IMAGENET_TRAIN,
    PREPROCESS_IMAGENET_EVAL
} preprocess_kind;

/* out[c] = (pixel[c'] * scale - mean[c]) / std[c], pixel in 0..255, with
 * c' = c for RGB output and c' = 2 - c for BGR. */
typedef struct normalization {
    int bgr;        /* 1: output channels in B, G, R order (the Caffe release) */
    float scale;    /* 1/255 for [0, 1] inputs, 1 for 0..255 */
    float mean[3];  /* per output channel, after scaling */
    float std[3];
} normalization;

typedef struct preprocess {
    preprocess_kind kind;
    int out_h, out_w;             /* output size; cifar-eval: 0 x 0 = the image's */
    int pad;                      /* cifar-train: zero padding on each side (4); cifar-eval: centring (0) */
    int flip;                     /* train: random horizontal flip */
    float scale_min, scale_max;   /* imagenet-train: crop area fraction (0.08, 1) */
    float ratio_min, ratio_max;   /* imagenet-train: crop aspect w/h (3/4, 4/3) */
    int resize;                   /* imagenet-eval: the short side before the crop (256) */
    normalization norm;
} preprocess;

/* Normalisation presets:
 *   "imagenet"  RGB in [0, 1], mean 0.485/0.456/0.406, std 0.229/0.224/0.225
 *   "caffe"     BGR in 0..255 minus 104/117/123 (B, G, R), std 1
 *   "cifar"     RGB in [0, 1], mean 0.4914/0.4822/0.4465, std 0.2470/0.2435/0.2616
 *   "mnist"     RGB in [0, 1], mean 0.1307, std 0.3081 on every channel
 *   "unit"      RGB in [0, 1], nothing subtracted
 * SENET_ERR_ARGUMENT for another name. */
int normalization_preset(const char *name, normalization *out);

/* A pipeline by name ("cifar-train", "cifar-eval", "imagenet-train",
 * "imagenet-eval") with its standard parameters. SIZE: the output side,
 * 0 for the preset's (32; the image's own; 224; 224); imagenet-eval resizes
 * to round(SIZE * 256 / 224) first. NORM: a normalisation preset, NULL for
 * "cifar" with the CIFAR pipelines and "imagenet" with the ImageNet ones.
 * The fields may be changed afterwards. */
int preprocess_preset(const char *name, int size, const char *norm, preprocess *out);

/* The output size for an image of in_h x in_w (0 x 0 when not known yet).
 * SENET_ERR_SHAPE when it cannot be known or the image cannot give it. */
int preprocess_output_size(const preprocess *p, int in_h, int in_w, int *out_h, int *out_w);

/* Writes IMG through the pipeline to OUT, (3, out_h, out_w) with the size
 * of preprocess_output_size. R: the random stream of the train pipelines
 * (may be NULL for the eval ones). SENET_ERR_SHAPE when the image does not
 * fit the pipeline, SENET_ERR_ARGUMENT for bad parameters, SENET_ERR_NOMEM. */
int preprocess_apply(const preprocess *p, const image_u8 *img, rng *r, float *out);

#endif
