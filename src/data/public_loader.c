/* senet_data.h's loader: the data floor's background batch loader behind
 * an opaque name, one process alone (no sharding). */
#include "../base/status.h"
#include "loader.h"
#include "public_handles.h"

#include <stdlib.h>

struct senet_loader {
    loader *impl;
};

int senet_loader_create(const senet_dataset *ds, const senet_transform *t, int batch_size, uint64_t seed,
                        int shuffle, int drop_last, senet_loader **out)
{
    if (!ds || !t || !out)
        return senet_fail(SENET_ERR_ARGUMENT, "senet_loader_create: NULL dataset, transform or result");
    *out = malloc(sizeof **out);
    if (!*out)
        return senet_fail(SENET_ERR_NOMEM, "no memory for a loader");
    int h, w, status = dataset_first_image_size(ds->reader, &h, &w);
    preprocess p = *public_transform_pipeline(t, h, w);
    int out_h, out_w;
    if (!status)
        status = preprocess_output_size(&p, h, w, &out_h, &out_w);
    if (!status && p.kind == PREPROCESS_CIFAR_EVAL) {
        /* "as they are": the first image's size, which every batch must then have */
        p.out_h = out_h;
        p.out_w = out_w;
    }
    loader_options opt = {batch_size, seed, shuffle != 0, drop_last != 0, 0, 1};
    if (!status)
        status = loader_create(ds->reader, &p, &opt, &(*out)->impl);
    if (status) {
        free(*out);
        *out = NULL;
    }
    return status;
}

void senet_loader_free(senet_loader *l)
{
    if (!l)
        return;
    loader_free(l->impl);
    free(l);
}

int64_t senet_loader_num_batches(const senet_loader *l) { return l ? loader_num_batches(l->impl) : 0; }

int senet_loader_start_epoch(senet_loader *l, int64_t epoch, int64_t first_batch)
{
    if (!l)
        return senet_fail(SENET_ERR_ARGUMENT, "senet_loader_start_epoch: NULL loader");
    return loader_start_epoch(l->impl, epoch, first_batch);
}

int senet_loader_next(senet_loader *l, senet_batch *batch)
{
    if (!l || !batch)
        return senet_fail(SENET_ERR_ARGUMENT, "senet_loader_next: NULL loader or batch");
    loader_batch b;
    TRY(loader_next(l->impl, &b));
    *batch = (senet_batch){b.images, b.labels, b.n, b.h, b.w, b.batch, b.end};
    return SENET_OK;
}
