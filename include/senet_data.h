/* senet data: images and datasets for programs that embed senet.
 *
 * The public interface of libsenet_data, the optional part of senet that
 * decodes images (JPEG through libjpeg-turbo, PNG through libpng), turns
 * them into a net's input exactly as `senet classify` and `senet train` do,
 * and reads the datasets `senet train` and `senet eval` read. libsenet
 * itself links no image codec; a program that wants these calls links
 * libsenet_data instead (pkg-config senet_data), which holds all of
 * libsenet as well.
 *
 * Errors work as in senet.h: a status (SENET_OK == 0) and a message naming
 * the file and the problem in senet_last_error().
 *
 *   senet_image *img = NULL;
 *   senet_transform *t;
 *   senet_transform_for_arch("se_resnet50", 0, NULL, &t);
 *   senet_image_load("cat.jpg", &img);
 *   float input[3 * 224 * 224];
 *   senet_transform_apply(t, img, 0, input, sizeof input / sizeof *input);
 *   senet_net_forward(net, input, 1, 224, 224, logits);
 */
#ifndef SENET_DATA_H
#define SENET_DATA_H

#include "senet.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Images: 8-bit RGB, channels last ---- */
typedef struct senet_image senet_image; /* opaque */

/* Decodes the JPEG or PNG file at PATH (told apart by content, not name).
 * Grey and palette images become RGB, alpha is dropped, 16-bit samples are
 * reduced to 8 (as PIL's convert("RGB")). *IMG: NULL to allocate a new
 * image, or an image to reuse (its buffer grows only when needed, so a loop
 * over many files allocates once). SENET_ERR_IO for a file that cannot be
 * read, SENET_ERR_FORMAT for one that is not a whole JPEG or PNG or is
 * larger than 30000 pixels a side or 10^8 pixels. */
SENET_API int senet_image_load(const char *path, senet_image **img);
/* The same for an encoded image in memory; NAME is used in messages. */
SENET_API int senet_image_decode(const void *data, size_t size, const char *name, senet_image **img);
/* An image from pixels the caller decoded: RGB (h, w, 3), row-major,
 * rows of `stride` bytes (0: 3 * w). */
SENET_API int senet_image_from_rgb(const uint8_t *rgb, int h, int w, size_t stride, senet_image **img);
SENET_API void senet_image_free(senet_image *img);
SENET_API int senet_image_height(const senet_image *img);
SENET_API int senet_image_width(const senet_image *img);
/* (height, width, 3) R, G, B; valid until the image is reused or freed. */
SENET_API const uint8_t *senet_image_pixels(const senet_image *img);

/* ---- Transforms: an image to a normalised float input (3, H, W) ---- */
typedef struct senet_transform senet_transform; /* opaque, read-only once made */

/* A pipeline by name, with torchvision's parameters:
 *   "imagenet-eval"   resize the short side to round(SIZE * 256 / 224)
 *                     (bilinear, antialiased as PIL's), centre crop SIZE
 *                     (Resize(256), CenterCrop(224))
 *   "imagenet-train"  random-resized crop (area 0.08-1, aspect 3/4-4/3) to
 *                     SIZE, horizontal flip
 *   "cifar-eval"      the image as it is (SIZE 0: any size; else it must
 *                     be SIZE x SIZE)
 *   "cifar-train"     4 pixels of zero padding, random SIZE crop, flip
 * SIZE 0: the preset's (224, 32 for cifar-train). NORMALIZE: "imagenet"
 * (RGB in [0, 1], ImageNet mean/std), "caffe" (BGR 0-255 minus 104/117/123,
 * the Caffe release of the paper's models), "cifar", "mnist" or "unit"
 * ([0, 1], nothing subtracted); NULL for "imagenet" with the ImageNet
 * pipelines and "cifar" with the CIFAR ones. SENET_ERR_ARGUMENT for an
 * unknown name or a size outside 1..4096. */
SENET_API int senet_transform_create(const char *pipeline, int size, const char *normalize,
                                     senet_transform **out);
/* The evaluation input of architecture ARCH, as `senet classify` makes it:
 * nets for 32x32 inputs (the CIFAR ones) take a SIZE x SIZE image as it is
 * and resize other images' short side to SIZE, then crop the centre, with
 * CIFAR normalisation; all others "imagenet-eval". SIZE 0: the net's
 * (senet_arch_input_size). NORMALIZE NULL: by the net, as above. */
SENET_API int senet_transform_for_arch(const char *arch, int size, const char *normalize, senet_transform **out);
SENET_API void senet_transform_free(senet_transform *t);
/* The size of the input that IMG becomes. SENET_ERR_SHAPE when the image
 * cannot give it (cifar-train on an image of another size than SIZE). */
SENET_API int senet_transform_output_size(const senet_transform *t, const senet_image *img, int *h, int *w);
/* Writes IMG through T to OUT, (3, h, w) floats of senet_transform_output_size,
 * CAPACITY floats at most (SENET_ERR_SHAPE if they do not fit). SEED draws
 * the random crop and flip of the train pipelines (the same seed, the same
 * choice); the eval pipelines ignore it. */
SENET_API int senet_transform_apply(const senet_transform *t, const senet_image *img, uint64_t seed, float *out,
                                    size_t capacity);

/* The class names of a classifier's outputs in the published label orders:
 * ImageNet-1k (num_classes 1000, torchvision's names), CIFAR-100 (100) and
 * CIFAR-10 (10); NULL for other counts. */
SENET_API const char *const *senet_class_names(int num_classes);

/* ---- Datasets: the readers of senet train and senet eval ---- */
typedef struct senet_dataset senet_dataset; /* opaque; read-only once open, usable from several threads */

/* Opens the train (train = 1) or test (train = 0) split of the dataset at
 * PATH: the CIFAR-10 / CIFAR-100 binary files, an image folder (one
 * subfolder per class, optionally under train/ and test/ or val/; classes
 * in sorted order), or MNIST / Fashion-MNIST IDX files, raw or gzip.
 * FORMAT: "cifar10", "cifar100", "folder", "idx", "mnist", "fashion-mnist",
 * or NULL to detect it from what is there. */
SENET_API int senet_dataset_open(const char *path, const char *format, int train, senet_dataset **out);
SENET_API void senet_dataset_free(senet_dataset *ds);
/* The reader in use: "cifar10", "cifar100", "folder" or "idx". */
SENET_API const char *senet_dataset_format(const senet_dataset *ds);
SENET_API int64_t senet_dataset_count(const senet_dataset *ds);
SENET_API int senet_dataset_num_classes(const senet_dataset *ds);
/* The name of class I; NULL out of range. */
SENET_API const char *senet_dataset_class_name(const senet_dataset *ds, int i);
/* Image INDEX (into *IMG, allocated or reused as by senet_image_load) and
 * its label. SENET_ERR_ARGUMENT for an index out of range; a folder image
 * that cannot be decoded is SENET_ERR_FORMAT naming the file. */
SENET_API int senet_dataset_get(const senet_dataset *ds, int64_t index, senet_image **img, int *label);

/* A random part of DS, to validate on data held out of training (what
 * `senet train --val-split` does): the images shuffled by SEED, the first
 * round(fraction * count) are the held-out part, the others the kept part;
 * *OUT is the held-out part when held_out is 1, else the kept part, each
 * in DS's order. *OUT takes DS over (freeing it, also when this fails), so
 * open the dataset once for each part. */
SENET_API int senet_dataset_hold_out(senet_dataset *ds, double fraction, uint64_t seed, int held_out,
                                     senet_dataset **out);

/* ---- Batches: a dataset through a transform, on a background thread ---- */
typedef struct senet_loader senet_loader; /* opaque */

typedef struct senet_batch {
    const float *images;   /* (n, 3, h, w): valid until the next senet_loader_* call */
    const int64_t *labels; /* (n) */
    int n, h, w;
    int64_t index;         /* the batch's number in its epoch */
    int end;               /* 1: the epoch has no more batches (the rest is unset) */
} senet_batch;

/* Batches of BATCH_SIZE images of DS through T, the next one prepared on a
 * thread of the loader's while the caller computes. SHUFFLE 1: each epoch
 * visits DS in an order drawn from (SEED, epoch), and each image's random
 * crop and flip from (SEED, epoch, position), so that a run restarted at
 * any batch sees the very same pixels; 0: DS's order. DROP_LAST 1 leaves
 * out a last batch smaller than BATCH_SIZE. DS and T must outlive the
 * loader. A folder's images are taken at its first image's size by
 * "cifar-eval" (SIZE 0); SENET_ERR_SHAPE when T cannot make that image an
 * input. */
SENET_API int senet_loader_create(const senet_dataset *ds, const senet_transform *t, int batch_size, uint64_t seed,
                                  int shuffle, int drop_last, senet_loader **out);
SENET_API void senet_loader_free(senet_loader *l);
/* Batches per epoch. */
SENET_API int64_t senet_loader_num_batches(const senet_loader *l);
/* Starts (or restarts) epoch EPOCH at batch FIRST_BATCH (0: the whole epoch). */
SENET_API int senet_loader_start_epoch(senet_loader *l, int64_t epoch, int64_t first_batch);
/* The next batch of the epoch (batch->end set after the last). An image
 * that fails to load fails the call with its file named; the loader then
 * refuses batches (SENET_ERR_STATE) until senet_loader_start_epoch. */
SENET_API int senet_loader_next(senet_loader *l, senet_batch *batch);

#ifdef __cplusplus
}
#endif

#endif
