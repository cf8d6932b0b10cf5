/* Dataset and preprocessing choice for the CLI. */
#include "data_setup.h"

#include "args.h"
#include "dist/dist.h"

#include <stdio.h>
#include <string.h>

int data_open(const char *command, const data_choice *c, int train, int augment, dataset **ds, preprocess *prep,
              int arch_input_size)
{
    if (!c->path) {
        fprintf(stderr, "senet %s: --data is required\n", command);
        return -1;
    }
    int status = dataset_open(c->path, c->format, train, ds);
    if (status) {
        cli_error(command, "", status);
        return -1;
    }
    int h, w;
    dataset_image_size(*ds, &h, &w);
    const char *format = dataset_format(*ds);
    int is_idx = strcmp(format, "idx") == 0 || strcmp(format, "mnist") == 0 || strcmp(format, "fashion-mnist") == 0;
    const char *norm = c->normalize ? c->normalize : is_idx ? "mnist" : h > 0 ? "cifar" : "imagenet";
    if (h > 0 && h >= 32 && w >= 32 && (!c->input_size || c->input_size == h))
        status = preprocess_preset(augment ? "cifar-train" : "cifar-eval", h, norm, prep);
    else {
        /* Folders, and fixed-size sets smaller than the nets' 32x32 minimum (MNIST): resize. */
        int size = c->input_size ? c->input_size : h > 0 ? 32 : arch_input_size;
        status = preprocess_preset(augment ? "imagenet-train" : "imagenet-eval", size, norm, prep);
        if (!status && h > 0)
            prep->resize = size; /* small images: no 256/224 margin to crop away */
    }
    if (status) {
        cli_error(command, "", status);
        dataset_free(*ds);
        *ds = NULL;
        return -1;
    }
    return 0;
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
