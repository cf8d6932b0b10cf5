/* Datasets of labelled images (floor 5: data).
 *
 * One handle over four on-disk formats, chosen by dataset_open from what is
 * at PATH (or named):
 *   "cifar10"   data_batch_1..5.bin (train) / test_batch.bin (test): records of
 *               1 label byte + 3072 bytes (R plane, G plane, B plane, 32x32)
 *   "cifar100"  train.bin / test.bin: coarse label byte, fine label byte,
 *               3072 pixel bytes; the fine labels (100 classes) are used
 *   "folder"    PATH/train/<class>/<image> and PATH/test/<class>/<image>
 *               (val/ accepted for test), or PATH/<class>/<image> for both
 *               splits when there are no split folders; images .jpg, .jpeg
 *               or .png; classes in sorted (byte) order
 *   "idx"       MNIST / Fashion-MNIST: train-images-idx3-ubyte and
 *               train-labels-idx1-ubyte, or t10k-..., raw or .gz
 *               ("mnist" and "fashion-mnist" name the same reader with the
 *               class names of each; "idx" picks Fashion-MNIST's names when
 *               the path contains "fashion")
 * PATH may also be a single CIFAR .bin file (train.bin / test.bin are read
 * as CIFAR-100, any other name as CIFAR-10; the split flag is then unused),
 * and a folder holding cifar-10-batches-bin/ or cifar-100-binary/ (what the
 * official archives unpack to) is looked into.
 *
 * The fixed-size formats are read whole into memory when opened and checked
 * there (sizes, label ranges); image folders are listed when opened and each
 * image is decoded by dataset_get. A dataset is read-only once open:
 * dataset_get may be called from several threads at once. */
#ifndef SENET_DATA_DATASET_H
#define SENET_DATA_DATASET_H

#include "image.h"

#include <stdint.h>

typedef struct dataset dataset; /* opaque */

/* Opens the train (train = 1) or test (train = 0) split of the dataset at
 * PATH. FORMAT: one of the names above, or NULL to detect it.
 * SENET_ERR_ARGUMENT: unknown format name or no recognisable dataset;
 * SENET_ERR_IO: a file cannot be read; SENET_ERR_FORMAT: a file is malformed.
 * Messages name the file and the problem. */
int dataset_open(const char *path, const char *format, int train, dataset **out);
void dataset_free(dataset *ds);

/* The reader in use: "cifar10", "cifar100", "folder" or "idx". */
const char *dataset_format(const dataset *ds);
int64_t dataset_count(const dataset *ds);
int dataset_num_classes(const dataset *ds);
/* The name of class i (CIFAR's names, a folder's name, a digit for MNIST);
 * NULL when i is out of range. */
const char *dataset_class_name(const dataset *ds, int i);
/* The file image `index` is read from (an image folder's), or NULL for the
 * formats that hold every image in one file (CIFAR, IDX) or out of range. */
const char *dataset_image_path(const dataset *ds, int64_t index);
/* The native size of every image (32 x 32 for CIFAR, 28 x 28 for MNIST);
 * 0 x 0 for image folders, whose sizes vary. */
void dataset_image_size(const dataset *ds, int *h, int *w);

/* The size the dataset's images have: the fixed one, or (an image folder)
 * its first image's, decoded to find out; 0 x 0 for an empty dataset. A
 * status when that image cannot be read. */
int dataset_first_image_size(const dataset *ds, int *h, int *w);

/* Whether a file NAME is one an image folder holds: .jpg, .jpeg or .png in
 * any case, not hidden. */
int dataset_is_image_name(const char *name);

/* Image `index` as 8-bit RGB (h, w, 3), grey expanded to 3 channels, with
 * its label in out->label. SENET_ERR_ARGUMENT for an index out of range;
 * a folder image that fails to decode is SENET_ERR_FORMAT naming the file. */
int dataset_get(const dataset *ds, int64_t index, image_u8 *out);
/* The label of image `index` without decoding it; -1 out of range. */
int dataset_label(const dataset *ds, int64_t index);

/* 1 when the train and test splits are the same images (an image folder
 * without train/ and test/ or val/ folders). */
int dataset_is_unsplit(const dataset *ds);

/* A random part of BASE, for a validation set drawn from training data:
 * the images are shuffled by SEED (the same seed, the same split, whatever
 * the thread count or rank), the first round(fraction * count) of them are
 * the held-out part and the others the kept part; *OUT is the held-out
 * part when held_out is 1, else the kept part, each in BASE's order. *OUT
 * owns BASE (and frees it, also when this fails). SENET_ERR_ARGUMENT when
 * fraction is not in (0, 1) or leaves either part empty. */
int dataset_hold_out(dataset *base, double fraction, uint64_t seed, int held_out, dataset **out);

/* A view of BASE holding its images INDICES[0..n) in that order (the
 * indices are copied; BASE must outlive the view, which does not free it).
 * SENET_ERR_ARGUMENT for an index out of range. */
int dataset_select(const dataset *base, const int64_t *indices, int64_t n, dataset **out);

#endif
