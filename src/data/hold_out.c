/* Views of a dataset by indices (see dataset.h): dataset_select, a chosen
 * list of its images, and dataset_hold_out, a random part of it. */
#include "dataset_internal.h"

#include "../base/rng.h"
#include "../base/status.h"

#include <math.h>
#include <stdlib.h>

typedef struct part {
    dataset *base;
    int owns_base;    /* dataset_free of the view frees base too */
    int64_t *indices; /* (count) indices into base */
} part;

static int part_get(const dataset *ds, int64_t index, image_u8 *out)
{
    const part *p = ds->impl;
    return dataset_get(p->base, p->indices[index], out);
}

static int part_label(const dataset *ds, int64_t index)
{
    const part *p = ds->impl;
    return dataset_label(p->base, p->indices[index]);
}

static const char *part_path(const dataset *ds, int64_t index)
{
    const part *p = ds->impl;
    return dataset_image_path(p->base, p->indices[index]);
}

static void part_release(void *impl)
{
    part *p = impl;
    if (!p)
        return;
    if (p->owns_base)
        dataset_free(p->base);
    free(p->indices);
    free(p);
}

static int compare_index(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The indices of one part: BASE's shuffled by SEED, the first HELD of
 * them (or the rest), sorted. */
static int64_t *part_indices(int64_t count, int64_t held, uint64_t seed, int held_out, int64_t *n)
{
    int64_t *order = malloc((size_t)count * sizeof *order);
    if (!order)
        return NULL;
    for (int64_t i = 0; i < count; i++)
        order[i] = i;
    rng r;
    rng_seed(&r, seed ^ 0x686f6c646f7574ull); /* apart from the loader's streams of the same seed */
    for (int64_t i = count - 1; i > 0; i--) {
        int64_t j = (int64_t)(rng_next(&r) % (uint64_t)(i + 1));
        int64_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    *n = held_out ? held : count - held;
    int64_t *mine = held_out ? order : order + held;
    qsort(mine, (size_t)*n, sizeof *mine, compare_index);
    if (!held_out)
        for (int64_t i = 0; i < *n; i++)
            order[i] = mine[i];
    return order;
}

/* The view of BASE through INDICES (n of them; taken, freed with the view). */
static int make_view(dataset *base, int owns_base, int64_t *indices, int64_t n, dataset **out)
{
    dataset *ds = calloc(1, sizeof *ds);
    part *p = calloc(1, sizeof *p);
    if (!ds || !p) {
        free(ds);
        free(p);
        free(indices);
        if (owns_base)
            dataset_free(base);
        return senet_fail(SENET_ERR_NOMEM, "out of memory for a view of %lld images", (long long)n);
    }
    *p = (part){base, owns_base, indices};
    *ds = (dataset){base->format, n, base->num_classes, NULL, base->h, base->w, 0, part_get, part_label,
                    part_release, p, base->path ? part_path : NULL};
    int status = dataset_set_class_names(ds, (const char *const *)base->class_names, base->num_classes);
    if (status) {
        dataset_free(ds);
        return status;
    }
    *out = ds;
    return SENET_OK;
}

int dataset_select(const dataset *base, const int64_t *indices, int64_t n, dataset **out)
{
    *out = NULL;
    int64_t count = dataset_count(base);
    for (int64_t i = 0; i < n; i++)
        if (indices[i] < 0 || indices[i] >= count)
            return senet_fail(SENET_ERR_ARGUMENT, "image index %lld is outside the %lld images", (long long)indices[i],
                              (long long)count);
    int64_t *mine = malloc((size_t)(n > 0 ? n : 1) * sizeof *mine);
    if (!mine)
        return senet_fail(SENET_ERR_NOMEM, "out of memory for the indices of %lld images", (long long)n);
    for (int64_t i = 0; i < n; i++)
        mine[i] = indices[i];
    return make_view((dataset *)base, 0, mine, n, out);
}

int dataset_hold_out(dataset *base, double fraction, uint64_t seed, int held_out, dataset **out)
{
    *out = NULL;
    int64_t count = dataset_count(base), held = (int64_t)llround(fraction * (double)count);
    if (!(fraction > 0 && fraction < 1) || held < 1 || held >= count) {
        int status = senet_fail(SENET_ERR_ARGUMENT,
                                "a validation fraction of %g of %lld images leaves no images to %s (0 < fraction < 1)",
                                fraction, (long long)count, held < 1 ? "validate on" : "train on");
        dataset_free(base);
        return status;
    }
    int64_t n = 0;
    int64_t *indices = part_indices(count, held, seed, held_out, &n);
    if (!indices) {
        dataset_free(base);
        return senet_fail(SENET_ERR_NOMEM, "out of memory for the indices of %lld images", (long long)count);
    }
    return make_view(base, 1, indices, n, out);
}
