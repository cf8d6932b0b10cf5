/* The CIFAR-10 and CIFAR-100 binary readers.
 *
 * Record layout (Krizhevsky 2009): CIFAR-10 one label byte then 3072 pixel
 * bytes; CIFAR-100 a coarse (20-class) and a fine (100-class) label byte then
 * 3072 pixel bytes. Pixels are three 32x32 row-major planes, R, G, B.
 * The split's files are read whole into one buffer when the dataset opens
 * (150 MB for either training set) and every label is checked there, so
 * dataset_get cannot fail on a file. */
#include "dataset_internal.h"
#include "senet_data.h"

#include "../base/status.h"
#include "file_read.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CIFAR_SIDE 32
#define CIFAR_PIXELS (3 * CIFAR_SIDE * CIFAR_SIDE)
#define CIFAR_MAX_FILES 5

typedef struct cifar {
    uint8_t *records;  /* (count, record_bytes) */
    int label_offset;  /* 0 for CIFAR-10, 1 (the fine label) for CIFAR-100 */
    int record_bytes;  /* 3073 or 3074 */
} cifar;

int cifar_detect(const char *dir, int *cifar100)
{
    static const char *const names10[2] = {"data_batch_1.bin", "test_batch.bin"};
    static const char *const names100[2] = {"train.bin", "test.bin"};
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < 2; i++) {
            char *p = path_join(dir, k ? names100[i] : names10[i]);
            int found = p && file_is_regular(p);
            free(p);
            if (found) {
                *cifar100 = k;
                return 1;
            }
        }
    return 0;
}

static void cifar_release(void *impl)
{
    cifar *c = impl;
    if (c)
        free(c->records);
    free(c);
}

static int cifar_label(const dataset *ds, int64_t index)
{
    const cifar *c = ds->impl;
    return c->records[(size_t)index * (size_t)c->record_bytes + (size_t)c->label_offset];
}

static int cifar_get(const dataset *ds, int64_t index, image_u8 *out)
{
    const cifar *c = ds->impl;
    TRY(image_resize_buffer(out, CIFAR_SIDE, CIFAR_SIDE, "CIFAR"));
    const uint8_t *rec = c->records + (size_t)index * (size_t)c->record_bytes;
    const uint8_t *planes = rec + c->record_bytes - CIFAR_PIXELS; /* (3, 32, 32) */
    for (int i = 0; i < CIFAR_SIDE * CIFAR_SIDE; i++)
        for (int ch = 0; ch < 3; ch++)
            out->data[3 * i + ch] = planes[ch * CIFAR_SIDE * CIFAR_SIDE + i];
    out->label = rec[c->label_offset];
    return SENET_OK;
}

/* Size of one split file, checked to hold whole records. */
static int file_records(const char *path, int record_bytes, const char *what, int64_t *records)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return senet_fail(SENET_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return senet_fail(SENET_ERR_IO, "%s: not a regular file", path);
    if (st.st_size == 0 || st.st_size % record_bytes != 0)
        return senet_fail(SENET_ERR_FORMAT,
                          "%s: size %lld is not a positive multiple of %d (a %s record: %s label byte%s + 3072 pixel bytes)",
                          path, (long long)st.st_size, record_bytes, what, record_bytes == 3073 ? "1" : "2",
                          record_bytes == 3073 ? "" : "s");
    *records = st.st_size / record_bytes;
    return SENET_OK;
}

static int read_into(const char *path, uint8_t *dst, size_t bytes)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return senet_fail(SENET_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    size_t got = fread(dst, 1, bytes, fp);
    int err = ferror(fp);
    fclose(fp);
    if (got != bytes || err)
        return senet_fail(SENET_ERR_IO, "%s: read %zu of %zu bytes", path, got, bytes);
    return SENET_OK;
}

/* Every label in range; the message names the file and the record. */
static int check_labels(const cifar *c, const char *path, int64_t first, int64_t n, int cifar100)
{
    for (int64_t i = first; i < first + n; i++) {
        const uint8_t *rec = c->records + (size_t)i * (size_t)c->record_bytes;
        if (cifar100 && (rec[0] >= 20 || rec[1] >= 100))
            return senet_fail(SENET_ERR_FORMAT,
                              "%s: record %lld has coarse label %d and fine label %d (CIFAR-100: 0-19 and 0-99)",
                              path, (long long)(i - first), rec[0], rec[1]);
        if (!cifar100 && rec[0] >= 10)
            return senet_fail(SENET_ERR_FORMAT, "%s: record %lld has label %d (CIFAR-10 labels are 0-9)", path,
                              (long long)(i - first), rec[0]);
    }
    return SENET_OK;
}

static int load(dataset *ds, cifar *c, char **paths, int nfiles, int cifar100)
{
    const char *what = cifar100 ? "CIFAR-100" : "CIFAR-10";
    int64_t counts[CIFAR_MAX_FILES], total = 0;
    for (int f = 0; f < nfiles; f++) {
        TRY(file_records(paths[f], c->record_bytes, what, &counts[f]));
        total += counts[f];
    }
    c->records = malloc((size_t)total * (size_t)c->record_bytes);
    if (!c->records)
        return senet_fail(SENET_ERR_NOMEM, "%s: cannot allocate %lld records", paths[0], (long long)total);
    int64_t first = 0;
    for (int f = 0; f < nfiles; f++) {
        TRY(read_into(paths[f], c->records + (size_t)first * (size_t)c->record_bytes,
                      (size_t)counts[f] * (size_t)c->record_bytes));
        TRY(check_labels(c, paths[f], first, counts[f], cifar100));
        first += counts[f];
    }
    ds->count = total;
    return SENET_OK;
}

int cifar_open(dataset *ds, const char *path, int cifar100, int train)
{
    cifar *c = calloc(1, sizeof *c);
    if (!c)
        return senet_fail(SENET_ERR_NOMEM, "out of memory");
    ds->impl = c;
    ds->release = cifar_release;
    ds->get = cifar_get;
    ds->label = cifar_label;
    ds->h = ds->w = CIFAR_SIDE;
    c->record_bytes = cifar100 ? CIFAR_PIXELS + 2 : CIFAR_PIXELS + 1;
    c->label_offset = cifar100 ? 1 : 0;
    TRY(dataset_set_class_names(ds, senet_class_names(cifar100 ? 100 : 10), cifar100 ? 100 : 10));

    char *paths[CIFAR_MAX_FILES] = {NULL};
    int nfiles = 0, status = SENET_OK;
    if (file_is_regular(path)) {
        paths[nfiles++] = strdup(path);
    } else if (cifar100) {
        paths[nfiles++] = path_join(path, train ? "train.bin" : "test.bin");
    } else if (!train) {
        paths[nfiles++] = path_join(path, "test_batch.bin");
    } else {
        for (int i = 1; i <= CIFAR_MAX_FILES; i++) {
            char name[32];
            snprintf(name, sizeof name, "data_batch_%d.bin", i);
            paths[nfiles++] = path_join(path, name);
        }
    }
    for (int f = 0; f < nfiles; f++)
        if (!paths[f])
            status = senet_fail(SENET_ERR_NOMEM, "out of memory");
    if (status == SENET_OK)
        status = load(ds, c, paths, nfiles, cifar100);
    for (int f = 0; f < nfiles; f++)
        free(paths[f]);
    return status;
}
