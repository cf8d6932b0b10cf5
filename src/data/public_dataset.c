/* senet_data.h's datasets: the data floor's readers behind an opaque name. */
#include "../base/status.h"
#include "dataset.h"
#include "public_handles.h"

#include <stdlib.h>

int senet_dataset_open(const char *path, const char *format, int train, senet_dataset **out)
{
    if (!path || !out)
        return senet_fail(SENET_ERR_ARGUMENT, "senet_dataset_open: NULL path or result");
    *out = malloc(sizeof **out);
    if (!*out)
        return senet_fail(SENET_ERR_NOMEM, "no memory for a dataset handle");
    int status = dataset_open(path, format, train, &(*out)->reader);
    if (status) {
        free(*out);
        *out = NULL;
    }
    return status;
}

void senet_dataset_free(senet_dataset *ds)
{
    if (!ds)
        return;
    dataset_free(ds->reader);
    free(ds);
}

const char *senet_dataset_format(const senet_dataset *ds) { return ds ? dataset_format(ds->reader) : NULL; }
int64_t senet_dataset_count(const senet_dataset *ds) { return ds ? dataset_count(ds->reader) : 0; }
int senet_dataset_num_classes(const senet_dataset *ds) { return ds ? dataset_num_classes(ds->reader) : 0; }

const char *senet_dataset_class_name(const senet_dataset *ds, int i)
{
    return ds ? dataset_class_name(ds->reader, i) : NULL;
}

int senet_dataset_get(const senet_dataset *ds, int64_t index, senet_image **img, int *label)
{
    if (!ds)
        return senet_fail(SENET_ERR_ARGUMENT, "senet_dataset_get: NULL dataset");
    int created;
    TRY(public_image_take(img, &created));
    int status = dataset_get(ds->reader, index, &(*img)->u8);
    if (status) {
        public_image_release(img, created);
        return status;
    }
    if (label)
        *label = (*img)->u8.label;
    return SENET_OK;
}

int senet_dataset_hold_out(senet_dataset *ds, double fraction, uint64_t seed, int held_out, senet_dataset **out)
{
    if (!ds || !out) {
        senet_dataset_free(ds); /* taken over, also when this fails */
        return senet_fail(SENET_ERR_ARGUMENT, "senet_dataset_hold_out: NULL dataset or result");
    }
    *out = NULL;
    dataset *part;
    int status = dataset_hold_out(ds->reader, fraction, seed, held_out, &part);
    ds->reader = part; /* the handle now holds the part (NULL on failure, the whole freed) */
    if (status) {
        senet_dataset_free(ds);
        return status;
    }
    *out = ds;
    return SENET_OK;
}
