/* The dataset handle: choosing the reader for a path and the accessors
 * every reader shares. The readers themselves are cifar.c, idx.c and
 * folder.c. */
#include "dataset_internal.h"

#include "../base/status.h"
#include "file_read.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

char *path_join(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *p = malloc(a + b + 2);
    if (!p)
        return NULL;
    memcpy(p, dir, a);
    size_t n = a;
    if (a > 0 && dir[a - 1] != '/')
        p[n++] = '/';
    memcpy(p + n, name, b + 1);
    return p;
}

int dataset_set_class_names(dataset *ds, const char *const *names, int n)
{
    ds->class_names = calloc((size_t)n, sizeof *ds->class_names);
    if (!ds->class_names)
        return senet_fail(SENET_ERR_NOMEM, "cannot allocate %d class names", n);
    ds->num_classes = n;
    for (int i = 0; i < n; i++) {
        ds->class_names[i] = strdup(names[i]);
        if (!ds->class_names[i])
            return senet_fail(SENET_ERR_NOMEM, "cannot allocate %d class names", n);
    }
    return SENET_OK;
}

static int contains_fashion(const char *path)
{
    static const char word[] = "fashion";
    for (const char *p = path; *p; p++) {
        size_t i = 0;
        while (word[i] && p[i] && tolower((unsigned char)p[i]) == word[i])
            i++;
        if (!word[i])
            return 1;
    }
    return 0;
}

/* A single .bin file: CIFAR-100 for train.bin / test.bin, else CIFAR-10. */
static int single_file_is_cifar100(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    return strcmp(base, "train.bin") == 0 || strcmp(base, "test.bin") == 0;
}

/* The folder an official CIFAR archive unpacks to, when PATH holds one:
 * it is read instead of PATH. NULL when there is none. */
static int archive_subdir(const char *path, char **subdir)
{
    static const char *const names[2] = {"cifar-10-batches-bin", "cifar-100-binary"};
    *subdir = NULL;
    if (!file_is_dir(path))
        return SENET_OK;
    for (int i = 0; i < 2; i++) {
        char *sub = path_join(path, names[i]);
        if (!sub)
            return senet_fail(SENET_ERR_NOMEM, "out of memory");
        if (file_is_dir(sub)) {
            *subdir = sub;
            return SENET_OK;
        }
        free(sub);
    }
    return SENET_OK;
}

/* The format of the dataset at PATH, from the files that are there. */
static int detect(const char *path, const char **format)
{
    if (file_is_regular(path)) {
        size_t n = strlen(path);
        if (n > 4 && strcmp(path + n - 4, ".bin") == 0) {
            *format = single_file_is_cifar100(path) ? "cifar100" : "cifar10";
            return SENET_OK;
        }
        return senet_fail(SENET_ERR_ARGUMENT, "%s: a file, but not a CIFAR .bin file; give a dataset folder", path);
    }
    if (!file_is_dir(path))
        return senet_fail(SENET_ERR_IO, "%s: no such file or folder", path);
    int cifar100;
    if (cifar_detect(path, &cifar100))
        *format = cifar100 ? "cifar100" : "cifar10";
    else if (idx_detect(path))
        *format = "idx";
    else
        *format = "folder"; /* folder_open says so when there are no class folders */
    return SENET_OK;
}

/* Fills DS with the reader FORMAT names, reading WHERE. */
static int open_reader(dataset *ds, const char *where, const char *format, int train)
{
    if (strcmp(format, "cifar10") == 0 || strcmp(format, "cifar100") == 0) {
        int cifar100 = strcmp(format, "cifar100") == 0;
        ds->format = cifar100 ? "cifar100" : "cifar10";
        return cifar_open(ds, where, cifar100, train);
    }
    if (strcmp(format, "idx") == 0 || strcmp(format, "mnist") == 0 || strcmp(format, "fashion-mnist") == 0) {
        ds->format = "idx";
        int fashion = strcmp(format, "fashion-mnist") == 0 || (strcmp(format, "idx") == 0 && contains_fashion(where));
        return idx_open(ds, where, train, fashion);
    }
    if (strcmp(format, "folder") == 0) {
        ds->format = "folder";
        return folder_open(ds, where, train);
    }
    return senet_fail(SENET_ERR_ARGUMENT,
                      "unknown data format '%s' (cifar10, cifar100, folder, idx, mnist, fashion-mnist)", format);
}

int dataset_open(const char *path, const char *format, int train, dataset **out)
{
    *out = NULL;
    if (!path || !*path)
        return senet_fail(SENET_ERR_ARGUMENT, "no dataset path given");
    char *subdir;
    TRY(archive_subdir(path, &subdir));
    const char *where = subdir ? subdir : path;
    dataset *ds = calloc(1, sizeof *ds);
    int status = ds ? SENET_OK : senet_fail(SENET_ERR_NOMEM, "out of memory");
    if (status == SENET_OK && !format)
        status = detect(where, &format);
    if (status == SENET_OK)
        status = open_reader(ds, where, format, train);
    free(subdir);
    if (status != SENET_OK) {
        dataset_free(ds);
        return status;
    }
    *out = ds;
    return SENET_OK;
}

void dataset_free(dataset *ds)
{
    if (!ds)
        return;
    if (ds->release)
        ds->release(ds->impl);
    if (ds->class_names)
        for (int i = 0; i < ds->num_classes; i++)
            free(ds->class_names[i]);
    free(ds->class_names);
    free(ds);
}

const char *dataset_format(const dataset *ds) { return ds->format; }

int64_t dataset_count(const dataset *ds) { return ds->count; }

int dataset_num_classes(const dataset *ds) { return ds->num_classes; }

const char *dataset_image_path(const dataset *ds, int64_t index)
{
    return ds->path && index >= 0 && index < ds->count ? ds->path(ds, index) : NULL;
}

const char *dataset_class_name(const dataset *ds, int i)
{
    return i >= 0 && i < ds->num_classes ? ds->class_names[i] : NULL;
}

void dataset_image_size(const dataset *ds, int *h, int *w)
{
    *h = ds->h;
    *w = ds->w;
}

int dataset_get(const dataset *ds, int64_t index, image_u8 *out)
{
    if (index < 0 || index >= ds->count)
        return senet_fail(SENET_ERR_ARGUMENT, "image index %lld is out of range (the %s dataset has %lld)",
                          (long long)index, ds->format, (long long)ds->count);
    return ds->get(ds, index, out);
}

int dataset_label(const dataset *ds, int64_t index)
{
    return index >= 0 && index < ds->count ? ds->label(ds, index) : -1;
}

int dataset_is_unsplit(const dataset *ds) { return ds->unsplit; }

int dataset_first_image_size(const dataset *ds, int *h, int *w)
{
    dataset_image_size(ds, h, w);
    if (*h > 0 || ds->count == 0)
        return SENET_OK;
    image_u8 img;
    image_init(&img);
    int status = dataset_get(ds, 0, &img);
    *h = img.h;
    *w = img.w;
    image_free(&img);
    return status;
}
