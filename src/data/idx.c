/* The IDX reader (MNIST, Fashion-MNIST), raw or gzip through zlib.
 *
 * An IDX file is a 4-byte magic (0, 0, type 0x08 = unsigned byte, number of
 * dimensions), one big-endian u32 per dimension, then the data: images
 * (N, rows, cols) in *-images-idx3-ubyte, labels (N) in *-labels-idx1-ubyte.
 * zlib reads plain files as they are, so one path serves both. The data
 * must fill exactly what the header promises: a short file and trailing
 * bytes are both errors, and the two files must agree on N. */
#include "dataset_internal.h"

#include "../base/status.h"
#include "file_read.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define IDX_MAX_BYTES (4ull << 30) /* refuse files promising more than 4 GB */

typedef struct idx {
    uint8_t *images; /* (count, rows, cols) grey */
    uint8_t *labels; /* (count) */
} idx;

static const char *const fashion_names[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                              "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

/* Looks in DIR for the first of the usual names of a split's file: 1 and
 * *path set when found, 0 when not (*path then names the canonical file, for
 * the message), -1 when out of memory. *path is to be freed in every case. */
static int find_file(const char *dir, const char *split, const char *kind, char **path)
{
    static const char *const forms[4] = {"%s-%s-%s", "%s-%s-%s.gz", "%s-%s.%s", "%s-%s.%s.gz"};
    const char *suffix = strcmp(kind, "images") == 0 ? "idx3-ubyte" : "idx1-ubyte";
    *path = NULL;
    for (int i = 0; i < 4; i++) {
        char name[64];
        snprintf(name, sizeof name, forms[i], split, kind, suffix);
        char *p = path_join(dir, name);
        if (!p) {
            senet_fail(SENET_ERR_NOMEM, "out of memory");
            return -1;
        }
        if (file_is_regular(p)) {
            free(*path);
            *path = p;
            return 1;
        }
        if (i == 0)
            *path = p;
        else
            free(p);
    }
    return 0;
}

int idx_detect(const char *dir)
{
    static const char *const splits[2] = {"train", "t10k"};
    for (int i = 0; i < 2; i++) {
        char *p;
        int found = find_file(dir, splits[i], "images", &p);
        free(p);
        if (found == 1)
            return 1;
    }
    return 0;
}

/* Reads an IDX file of unsigned bytes with NDIM dimensions into *data. */
static int read_idx(const char *path, int ndim, uint32_t dims[3], uint8_t **data)
{
    *data = NULL;
    gzFile f = gzopen(path, "rb");
    if (!f)
        return senet_fail(SENET_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    gzbuffer(f, 1u << 17);
    uint8_t head[4 + 4 * 3];
    int want = 4 + 4 * ndim, status = SENET_OK;
    int got = gzread(f, head, (unsigned)want);
    uint32_t magic = got >= 4 ? (uint32_t)head[0] << 24 | (uint32_t)head[1] << 16 | head[2] << 8 | head[3] : 0;
    uint32_t expected_magic = 0x800u | (uint32_t)ndim;
    if (got < 4) {
        status = senet_fail(SENET_ERR_FORMAT, "%s: too short for an IDX header", path);
    } else if (magic != expected_magic) {
        status = senet_fail(SENET_ERR_FORMAT, "%s: bad IDX magic 0x%08x (expected 0x%08x: unsigned bytes, %d dimension%s)",
                            path, magic, expected_magic, ndim, ndim > 1 ? "s" : "");
    } else if (got < want) {
        status = senet_fail(SENET_ERR_FORMAT, "%s: the IDX header is cut short", path);
    }
    unsigned long long total = 1;
    for (int d = 0; status == SENET_OK && d < ndim; d++) {
        const uint8_t *p = head + 4 + 4 * d;
        dims[d] = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
        if (dims[d] == 0 || (d > 0 && dims[d] > IMAGE_MAX_SIDE))
            status = senet_fail(SENET_ERR_FORMAT, "%s: IDX dimension %d is %u", path, d, dims[d]);
        else if ((total *= dims[d]) > IDX_MAX_BYTES)
            status = senet_fail(SENET_ERR_FORMAT, "%s: the IDX header promises more than %llu bytes", path, IDX_MAX_BYTES);
    }
    /* The buffer grows with the data that actually arrives (doubling, up to
     * what the header promises): a 16-byte file promising 4 GB must fail as
     * short, not make us allocate 4 GB first. */
    unsigned long long done = 0, capacity = 0;
    while (status == SENET_OK && done < total) {
        if (done == capacity) {
            capacity = capacity ? 2 * capacity : 1ull << 20;
            if (capacity > total)
                capacity = total;
            uint8_t *grown = realloc(*data, (size_t)capacity);
            if (!grown) {
                status = senet_fail(SENET_ERR_NOMEM, "%s: cannot allocate %llu bytes", path, capacity);
                break;
            }
            *data = grown;
        }
        unsigned long long room = capacity - done;
        unsigned chunk = room > (1u << 30) ? (1u << 30) : (unsigned)room;
        int n = gzread(f, *data + done, chunk);
        if (n <= 0) {
            int zerr;
            const char *zmsg = gzerror(f, &zerr);
            status = senet_fail(SENET_ERR_FORMAT, "%s: holds %llu data bytes where the header promises %llu%s%s", path,
                                done, total, zerr != Z_OK ? ": " : "", zerr != Z_OK ? zmsg : "");
        }
        done += n > 0 ? (unsigned long long)n : 0;
    }
    uint8_t extra;
    if (status == SENET_OK && gzread(f, &extra, 1) != 0)
        status = senet_fail(SENET_ERR_FORMAT, "%s: bytes follow the %llu the header promises", path, total);
    gzclose(f);
    if (status != SENET_OK) {
        free(*data);
        *data = NULL;
    }
    return status;
}

static void idx_release(void *impl)
{
    idx *x = impl;
    if (x) {
        free(x->images);
        free(x->labels);
    }
    free(x);
}

static int idx_label(const dataset *ds, int64_t index) { return ((const idx *)ds->impl)->labels[index]; }

static int idx_get(const dataset *ds, int64_t index, image_u8 *out)
{
    const idx *x = ds->impl;
    TRY(image_resize_buffer(out, ds->h, ds->w, "IDX"));
    size_t n = (size_t)ds->h * (size_t)ds->w;
    const uint8_t *src = x->images + (size_t)index * n; /* (rows, cols) */
    for (size_t i = 0; i < n; i++)
        out->data[3 * i] = out->data[3 * i + 1] = out->data[3 * i + 2] = src[i];
    out->label = x->labels[index];
    return SENET_OK;
}

static int open_files(dataset *ds, idx *x, const char *images_path, const char *labels_path, int fashion)
{
    uint32_t idims[3], ldims[3];
    TRY(read_idx(images_path, 3, idims, &x->images));
    TRY(read_idx(labels_path, 1, ldims, &x->labels));
    if (idims[0] != ldims[0])
        return senet_fail(SENET_ERR_FORMAT, "%s holds %u images but %s holds %u labels", images_path, idims[0],
                          labels_path, ldims[0]);
    ds->count = idims[0];
    ds->h = (int)idims[1];
    ds->w = (int)idims[2];
    int classes = 10;
    for (uint32_t i = 0; i < ldims[0]; i++)
        if (x->labels[i] + 1 > classes)
            classes = x->labels[i] + 1;
    if (fashion && classes == 10)
        return dataset_set_class_names(ds, fashion_names, 10);
    char digits[256][4];
    const char *names[256];
    for (int i = 0; i < classes; i++) {
        snprintf(digits[i], sizeof digits[i], "%d", i);
        names[i] = digits[i];
    }
    return dataset_set_class_names(ds, names, classes);
}

int idx_open(dataset *ds, const char *path, int train, int fashion)
{
    idx *x = calloc(1, sizeof *x);
    if (!x)
        return senet_fail(SENET_ERR_NOMEM, "out of memory");
    ds->impl = x;
    ds->release = idx_release;
    ds->get = idx_get;
    ds->label = idx_label;
    const char *split = train ? "train" : "t10k";
    char *images_path, *labels_path = NULL;
    int found = find_file(path, split, "images", &images_path), status = SENET_OK;
    if (found <= 0)
        status = found < 0 ? SENET_ERR_NOMEM
                           : senet_fail(SENET_ERR_IO, "%s: no such file (nor .gz, nor the dotted name)", images_path);
    if (status == SENET_OK) {
        found = find_file(path, split, "labels", &labels_path);
        if (found <= 0)
            status = found < 0 ? SENET_ERR_NOMEM
                               : senet_fail(SENET_ERR_IO, "%s: no such file (nor .gz, nor the dotted name)", labels_path);
    }
    if (status == SENET_OK)
        status = open_files(ds, x, images_path, labels_path, fashion);
    free(images_path);
    free(labels_path);
    return status;
}
