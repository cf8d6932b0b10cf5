/* Dataset and preprocessing choice for the CLI. */
#include "data_setup.h"

#include "args.h"
#include "dist/dist.h"

#include <stdio.h>
#include <string.h>

/* Whether --augment names this pipeline. */
static int augment_is(const data_choice *c, const char *name) { return c->augment && strcmp(c->augment, name) == 0; }

/* The image size that decides the pipeline: the dataset's fixed size, or
 * for a folder its first image's when that is small (or --augment cifar);
 * 0 for folders of photos. */
static int pipeline_size(const char *command, const data_choice *c, const dataset *ds, int *h, int *w)
{
    dataset_image_size(ds, h, w);
    if (*h > 0 || augment_is(c, "imagenet"))
        return 0;
    /* A folder has no fixed size, but one of small images (the CIFAR JPEG
     * archive) is trained like CIFAR. */
    int fh, fw, status = dataset_first_image_size(ds, &fh, &fw);
    if (status) {
        cli_error(command, "", status);
        return -1;
    }
    if (augment_is(c, "cifar") || (fh <= DATA_SMALL_IMAGE_SIDE && fw <= DATA_SMALL_IMAGE_SIDE)) {
        *h = fh;
        *w = fw;
    }
    return 0;
}

int data_open(const char *command, const data_choice *c, int train, int augment, dataset **ds, preprocess *prep,
              int arch_input_size)
{
    int held = c->val_split > 0;
    int status = dataset_open(c->path, c->format, train || held, ds);
    if (!status && held) {
        dataset *whole = *ds;
        status = dataset_hold_out(whole, c->val_split, c->split_seed, !train, ds);
    }
    if (status) {
        cli_error(command, "", status);
        return 1;
    }
    int h, w;
    if (pipeline_size(command, c, *ds, &h, &w)) {
        dataset_free(*ds);
        *ds = NULL;
        return 1;
    }
    const char *format = dataset_format(*ds);
    int is_idx = strcmp(format, "idx") == 0 || strcmp(format, "mnist") == 0 || strcmp(format, "fashion-mnist") == 0;
    const char *norm = c->normalize ? c->normalize : is_idx ? "mnist" : h > 0 ? "cifar" : "imagenet";
    if (!augment_is(c, "imagenet") && h > 0 && h >= 32 && w >= 32 && (!c->input_size || c->input_size == h)) {
        status = preprocess_preset(augment ? "cifar-train" : "cifar-eval", h, norm, prep);
    } else if (!augment_is(c, "imagenet") && is_idx && h == w && h < 32 && h >= 24 && h % 2 == 0 &&
               (!c->input_size || c->input_size == 32)) {
        /* MNIST's 28x28 below the nets' 32x32 minimum: centred on a 32x32
         * canvas of zeros (their background) to evaluate; to train, shifted by
         * up to 2 pixels each way (pad 4, random 32x32 crop) and never
         * flipped, which would turn digits into other shapes. */
        int gap = 32 - h;
        status = preprocess_preset(augment ? "cifar-train" : "cifar-eval", 32, norm, prep);
        if (!status) {
            prep->pad = augment ? gap : gap / 2;
            prep->flip = 0;
        }
    } else if (augment_is(c, "cifar")) {
        /* An explicit choice is never replaced by the default of another size. */
        if (h > 0 && c->input_size)
            fprintf(stderr, "senet %s: --augment cifar works at the images' own size, %dx%d, not --input-size %d: "
                            "leave out one of the two\n", command, h, w, c->input_size);
        else
            fprintf(stderr, "senet %s: --augment cifar needs images of at least 32x32 (these are %dx%d); leave it out "
                            "to resize them\n", command, h, w);
        dataset_free(*ds);
        *ds = NULL;
        return 2;
    } else {
        /* Folders of photos, and fixed-size sets smaller than the nets' 32x32 minimum (MNIST): resize. */
        int size = c->input_size ? c->input_size : h > 0 ? 32 : arch_input_size;
        status = preprocess_preset(augment ? "imagenet-train" : "imagenet-eval", size, norm, prep);
        if (!status && h > 0)
            prep->resize = size; /* small images: no 256/224 margin to crop away */
    }
    if (status) {
        cli_error(command, "", status);
        dataset_free(*ds);
        *ds = NULL;
        return 1;
    }
    return 0;
}

void data_describe(const preprocess *p, char *buf, size_t size)
{
    switch (p->kind) {
    case PREPROCESS_CIFAR_TRAIN:
        snprintf(buf, size, "CIFAR augmentation (pad %d, random %dx%d crop%s)", p->pad, p->out_w, p->out_h,
                 p->flip ? ", flip" : "");
        return;
    case PREPROCESS_IMAGENET_TRAIN:
        snprintf(buf, size, "ImageNet augmentation (random resized crop to %dx%d, area %g-%g%s)", p->out_w, p->out_h,
                 p->scale_min, p->scale_max, p->flip ? ", flip" : "");
        return;
    case PREPROCESS_CIFAR_EVAL:
        if (p->pad > 0)
            snprintf(buf, size, "images centred on %dx%d (zero padding %d)", p->out_w, p->out_h, p->pad);
        else
            snprintf(buf, size, "images as they are");
        return;
    case PREPROCESS_IMAGENET_EVAL:
        snprintf(buf, size, "resize to %d, centre crop %dx%d", p->resize, p->out_w, p->out_h);
        return;
    }
    snprintf(buf, size, "unknown preprocessing");
}

const char *data_normalization_name(const preprocess *prep)
{
    static const char *const names[] = {"imagenet", "caffe", "cifar", "mnist", "unit"};
    for (int i = 0; i < 5; i++) {
        normalization n;
        if (normalization_preset(names[i], &n) == 0 && memcmp(&n, &prep->norm, sizeof n) == 0)
            return names[i];
    }
    return NULL;
}

loader *data_loader(const char *command, const dataset *ds, const preprocess *prep, int batch, uint64_t seed,
                    int shuffle)
{
    /* Under mpirun each rank loads its shard of every global batch. */
    loader_options opt = {batch, seed, shuffle, 0, dist_rank(), dist_world()};
    loader *l = NULL;
    int status = loader_create(ds, prep, &opt, &l);
    if (status) {
        cli_error(command, "", status);
        return NULL;
    }
    return l;
}
