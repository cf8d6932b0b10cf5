/* The safetensors reader (the writer is safetensors_write.c).
 *
 * The reader maps the file (reading it into a buffer where it cannot) and
 * keeps the parsed header alive for the metadata strings. The pages of a
 * tensor are released once it is read, so that loading weights holds about
 * one copy of them, not two. Element bytes are decoded explicitly as
 * little-endian and never through a cast pointer, since the data section
 * may start at any byte offset. */
#define _POSIX_C_SOURCE 200809L
#include "safetensors.h"

#include "../base/alloc.h"
#include "../base/status.h"
#include "json.h"
#include "safetensors_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
    const char *name;
    size_t size;
} dtype_info[ST_DTYPE_COUNT] = {
    [ST_F32] = {"F32", 4}, [ST_F16] = {"F16", 2}, [ST_BF16] = {"BF16", 2}, [ST_F64] = {"F64", 8},
    [ST_I64] = {"I64", 8}, [ST_I32] = {"I32", 4}, [ST_U8] = {"U8", 1},    [ST_BOOL] = {"BOOL", 1},
    [ST_I16] = {"I16", 2}, [ST_I8] = {"I8", 1},   [ST_U16] = {"U16", 2},  [ST_U32] = {"U32", 4},
    [ST_U64] = {"U64", 8},
};

struct safetensors_file {
    char *path;
    unsigned char *bytes;          /* the whole file */
    int mapped;                    /* bytes is a read-only mapping, else a buffer */
    size_t size;
    const unsigned char *data;     /* the data section, inside bytes */
    size_t data_size;
    json_doc *header;
    st_tensor *tensors;            /* (count) in header order */
    const st_tensor **by_name;     /* (count) sorted by name, for safetensors_find */
    int count;
    const json_member **metadata;  /* (metadata_count) string entries sorted by key */
    int metadata_count;
};

size_t st_dtype_size(st_dtype d) { return (unsigned)d < ST_DTYPE_COUNT ? dtype_info[d].size : 0; }

const char *st_dtype_name(st_dtype d) { return (unsigned)d < ST_DTYPE_COUNT ? dtype_info[d].name : "?"; }

size_t st_tensor_numel(const st_tensor *t)
{
    size_t n = 1;
    for (int i = 0; i < t->ndim; i++)
        n *= (size_t)t->shape[i];
    return n;
}

/* numel * element size, or 0 with *overflow set. */
size_t st_shape_bytes(const int64_t *shape, int ndim, size_t elem, int *overflow)
{
    size_t n = elem;
    for (int i = 0; i < ndim; i++) {
        if ((uint64_t)shape[i] > SIZE_MAX) {
            *overflow = 1;
            return 0;
        }
        n = size_mul(n, (size_t)shape[i], overflow);
    }
    return *overflow ? 0 : n;
}

static const char *format_shape(const int64_t *shape, int ndim, char *buf, size_t size)
{
    size_t used = (size_t)snprintf(buf, size, "[");
    for (int i = 0; i < ndim && used < size; i++)
        used += (size_t)snprintf(buf + used, size - used, i ? ", %" PRId64 : "%" PRId64, shape[i]);
    if (used < size)
        snprintf(buf + used, size - used, "]");
    return buf;
}

int st_host_is_little_endian(void)
{
    const uint16_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    return first == 1;
}

static uint16_t le16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }

static float f32_from_bits(uint32_t bits)
{
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* IEEE half to float, exactly: every half is representable as a float, so
 * only the encoding changes. Subnormal halves (m * 2^-24) become normal
 * floats; the product below is exact because m < 2^10. NaN payloads are kept. */
static float half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1F, mant = h & 0x3FF;
    if (exp == 0) {
        float v = (float)mant * 0x1p-24f;
        return sign ? -v : v;
    }
    if (exp == 31)
        return f32_from_bits(sign | 0x7F800000u | mant << 13);
    return f32_from_bits(sign | (exp + 112) << 23 | mant << 13);
}

/* ---- Reading ---- */

/* Maps the file, or reads it into a buffer where it cannot be mapped. */
static int load_whole_file(safetensors_file *f, FILE *fp)
{
    void *map = mmap(NULL, f->size, PROT_READ, MAP_PRIVATE, fileno(fp), 0);
    if (map != MAP_FAILED) {
        f->bytes = map;
        f->mapped = 1;
        return SENET_OK;
    }
    if (!(f->bytes = aligned_alloc_checked(f->size)))
        return senet_fail(SENET_ERR_NOMEM, "%s: cannot allocate %zu bytes to read the file", f->path, f->size);
    size_t got = fread(f->bytes, 1, f->size, fp);
    if (got != f->size)
        return senet_fail(SENET_ERR_IO, "%s: read %zu of %zu bytes: %s", f->path, got, f->size,
                          ferror(fp) ? strerror(errno) : "the file shrank while reading");
    return SENET_OK;
}

static int read_whole_file(safetensors_file *f)
{
    FILE *fp = fopen(f->path, "rb");
    if (!fp)
        return senet_fail(SENET_ERR_IO, "%s: cannot open: %s", f->path, strerror(errno));
    struct stat st;
    int status = SENET_OK;
    if (fstat(fileno(fp), &st) != 0)
        status = senet_fail(SENET_ERR_IO, "%s: cannot stat: %s", f->path, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        status = senet_fail(SENET_ERR_IO, "%s: not a regular file", f->path);
    else if (st.st_size < 8)
        status = senet_fail(SENET_ERR_FORMAT, "%s: file of %lld bytes is too short for the 8-byte header length",
                            f->path, (long long)st.st_size);
    else if ((uint64_t)st.st_size > SIZE_MAX)
        status = senet_fail(SENET_ERR_NOMEM, "%s: a file of %lld bytes does not fit in memory", f->path,
                            (long long)st.st_size);
    if (status == SENET_OK) {
        f->size = (size_t)st.st_size;
        status = load_whole_file(f, fp);
    }
    fclose(fp);
    return status;
}

static int json_uint(const json_value *v, uint64_t *out)
{
    if (v->type != JSON_INT || v->u.integer < 0)
        return 0;
    *out = (uint64_t)v->u.integer;
    return 1;
}

static int parse_dtype(const safetensors_file *f, st_tensor *t, const json_value *v)
{
    if (v->type != JSON_STRING)
        return senet_fail(SENET_ERR_FORMAT, "%s: tensor '%s': dtype is not a string", f->path, t->name);
    for (int d = 0; d < ST_DTYPE_COUNT; d++)
        if (v->u.str.length == strlen(dtype_info[d].name) && strcmp(v->u.str.text, dtype_info[d].name) == 0) {
            t->dtype = (st_dtype)d;
            return SENET_OK;
        }
    return senet_fail(SENET_ERR_FORMAT, "%s: tensor '%s': unknown dtype '%.32s'", f->path, t->name, v->u.str.text);
}

static int parse_shape(const safetensors_file *f, st_tensor *t, const json_value *v)
{
    if (v->type != JSON_ARRAY)
        return senet_fail(SENET_ERR_FORMAT, "%s: tensor '%s': shape is not an array", f->path, t->name);
    if (v->u.list.count > ST_MAX_DIMS)
        return senet_fail(SENET_ERR_FORMAT, "%s: tensor '%s': shape has %zu dimensions, more than %d", f->path,
                          t->name, v->u.list.count, ST_MAX_DIMS);
    t->ndim = (int)v->u.list.count;
    for (int i = 0; i < t->ndim; i++) {
        uint64_t d;
        if (!json_uint(&v->u.list.items[i], &d))
            return senet_fail(SENET_ERR_FORMAT, "%s: tensor '%s': shape[%d] is not a non-negative integer",
                              f->path, t->name, i);
        t->shape[i] = (int64_t)d;
    }
    return SENET_OK;
}

static int parse_offsets(const safetensors_file *f, st_tensor *t, const json_value *v)
{
    uint64_t b, e;
    if (v->type != JSON_ARRAY || v->u.list.count != 2 || !json_uint(&v->u.list.items[0], &b) ||
        !json_uint(&v->u.list.items[1], &e))
        return senet_fail(SENET_ERR_FORMAT, "%s: tensor '%s': data_offsets is not two non-negative integers",
                          f->path, t->name);
    if (b > e)
        return senet_fail(SENET_ERR_FORMAT, "%s: tensor '%s' data_offsets [%" PRIu64 ", %" PRIu64 "] run backwards",
                          f->path, t->name, b, e);
    if (e > f->data_size)
        return senet_fail(SENET_ERR_FORMAT,
                          "%s: tensor '%s' data_offsets [%" PRIu64 ", %" PRIu64
                          "] exceed the data section of %zu bytes",
                          f->path, t->name, b, e, f->data_size);
    t->begin = (size_t)b;
    t->end = (size_t)e;
    return SENET_OK;
}

static int parse_tensor(const safetensors_file *f, const json_member *m, st_tensor *t)
{
    if (m->key_length == 0)
        return senet_fail(SENET_ERR_FORMAT, "%s: a tensor has an empty name", f->path);
    if (m->key_length >= ST_MAX_NAME)
        return senet_fail(SENET_ERR_FORMAT, "%s: tensor name '%.40s...' is %zu bytes, longer than %d", f->path,
                          m->key, m->key_length, ST_MAX_NAME - 1);
    if (memchr(m->key, '\0', m->key_length))
        return senet_fail(SENET_ERR_FORMAT, "%s: tensor name '%s' contains a NUL character", f->path, m->key);
    memcpy(t->name, m->key, m->key_length + 1);
    if (m->value.type != JSON_OBJECT)
        return senet_fail(SENET_ERR_FORMAT, "%s: tensor '%s': entry is not an object", f->path, t->name);
    static const char *const keys[3] = {"dtype", "shape", "data_offsets"};
    const json_value *found[3] = {NULL, NULL, NULL};
    for (size_t i = 0; i < m->value.u.list.count; i++) {
        const json_member *e = &m->value.u.list.members[i];
        int k = 0;
        while (k < 3 && strcmp(e->key, keys[k]) != 0)
            k++;
        if (k == 3 || e->key_length != strlen(keys[k]))
            return senet_fail(SENET_ERR_FORMAT, "%s: tensor '%s': unexpected key '%.40s'", f->path, t->name, e->key);
        if (found[k])
            return senet_fail(SENET_ERR_FORMAT, "%s: tensor '%s': duplicate key '%s'", f->path, t->name, keys[k]);
        found[k] = &e->value;
    }
    for (int k = 0; k < 3; k++)
        if (!found[k])
            return senet_fail(SENET_ERR_FORMAT, "%s: tensor '%s': missing key '%s'", f->path, t->name, keys[k]);
    TRY(parse_dtype(f, t, found[0]));
    TRY(parse_shape(f, t, found[1]));
    TRY(parse_offsets(f, t, found[2]));

    char shape[200];
    int overflow = 0;
    size_t bytes = st_shape_bytes(t->shape, t->ndim, dtype_info[t->dtype].size, &overflow);
    if (overflow)
        return senet_fail(SENET_ERR_FORMAT, "%s: tensor '%s': shape %s of %s overflows the size of memory", f->path,
                          t->name, format_shape(t->shape, t->ndim, shape, sizeof shape), dtype_info[t->dtype].name);
    if (bytes != t->end - t->begin)
        return senet_fail(SENET_ERR_FORMAT,
                          "%s: tensor '%s': shape %s of %s needs %zu bytes but data_offsets [%zu, %zu] hold %zu",
                          f->path, t->name, format_shape(t->shape, t->ndim, shape, sizeof shape),
                          dtype_info[t->dtype].name, bytes, t->begin, t->end, t->end - t->begin);
    return SENET_OK;
}

static int compare_member_keys(const json_member *a, const json_member *b)
{
    size_t n = a->key_length < b->key_length ? a->key_length : b->key_length;
    int c = memcmp(a->key, b->key, n);
    return c ? c : (a->key_length > b->key_length) - (a->key_length < b->key_length);
}

static int compare_member_ptrs(const void *a, const void *b)
{
    return compare_member_keys(*(const json_member *const *)a, *(const json_member *const *)b);
}

static int parse_metadata(safetensors_file *f, const json_value *v)
{
    if (v->type != JSON_OBJECT)
        return senet_fail(SENET_ERR_FORMAT, "%s: __metadata__ is not an object", f->path);
    size_t n = v->u.list.count;
    f->metadata = malloc((n ? n : 1) * sizeof *f->metadata);
    if (!f->metadata)
        return senet_fail(SENET_ERR_NOMEM, "%s: out of memory", f->path);
    const json_member **all = malloc((n ? n : 1) * sizeof *all);
    if (!all)
        return senet_fail(SENET_ERR_NOMEM, "%s: out of memory", f->path);
    for (size_t i = 0; i < n; i++)
        all[i] = &v->u.list.members[i];
    qsort(all, n, sizeof *all, compare_member_ptrs);
    int status = SENET_OK;
    for (size_t i = 0; i < n && status == SENET_OK; i++) {
        if (i > 0 && compare_member_keys(all[i - 1], all[i]) == 0)
            status = senet_fail(SENET_ERR_FORMAT, "%s: duplicate __metadata__ key '%.40s'", f->path, all[i]->key);
        else if (all[i]->value.type == JSON_STRING) /* other value types are tolerated and skipped */
            f->metadata[f->metadata_count++] = all[i];
    }
    free(all);
    return status;
}

static int compare_tensor_names(const void *a, const void *b)
{
    return strcmp((*(const st_tensor *const *)a)->name, (*(const st_tensor *const *)b)->name);
}

static int compare_tensor_offsets(const void *a, const void *b)
{
    const st_tensor *x = *(const st_tensor *const *)a, *y = *(const st_tensor *const *)b;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    return (x->end > y->end) - (x->end < y->end);
}

/* Sorted by begin, the tensors must tile [0, data_size) with no overlap, no
 * gap and nothing left over, so that no byte of the file goes unexplained. */
static int check_coverage(const safetensors_file *f)
{
    const st_tensor **order = malloc((f->count ? (size_t)f->count : 1) * sizeof *order);
    if (!order)
        return senet_fail(SENET_ERR_NOMEM, "%s: out of memory", f->path);
    for (int i = 0; i < f->count; i++)
        order[i] = &f->tensors[i];
    qsort(order, (size_t)f->count, sizeof *order, compare_tensor_offsets);
    int status = SENET_OK;
    size_t pos = 0;
    for (int i = 0; i < f->count && status == SENET_OK; i++) {
        const st_tensor *t = order[i];
        if (t->begin < pos)
            status = senet_fail(SENET_ERR_FORMAT, "%s: tensors '%s' [%zu, %zu] and '%s' [%zu, %zu] overlap", f->path,
                                order[i - 1]->name, order[i - 1]->begin, order[i - 1]->end, t->name, t->begin,
                                t->end);
        else if (t->begin > pos)
            status = senet_fail(SENET_ERR_FORMAT,
                                "%s: the data section has a gap of %zu unused bytes before tensor '%s' [%zu, %zu]",
                                f->path, t->begin - pos, t->name, t->begin, t->end);
        pos = t->end;
    }
    if (status == SENET_OK && pos != f->data_size)
        status = senet_fail(SENET_ERR_FORMAT, "%s: the tensors end at byte %zu of a data section of %zu bytes",
                            f->path, pos, f->data_size);
    free(order);
    return status;
}

/* The format says the header begins with '{': a file whose ninth byte is
 * something else is another kind of file, and its first bytes read as a
 * header length would only give the user a meaningless number. */
static int check_kind(const safetensors_file *f)
{
    const unsigned char *b = f->bytes;
    if (f->size <= 8 || b[8] == '{')
        return SENET_OK;
    const char *what = b[0] == 0xFF && b[1] == 0xD8 ? " (it is a JPEG image)"
                       : memcmp(b, "\x89PNG", 4) == 0 ? " (it is a PNG image)"
                       : memcmp(b, "PK", 2) == 0 || b[0] == 0x80
                           ? " (it looks like a PyTorch .pth file: scripts/pth_to_safetensors.py converts one)"
                           : "";
    return senet_fail(SENET_ERR_FORMAT, "%s: not a safetensors file%s", f->path, what);
}

static int parse_header(safetensors_file *f)
{
    TRY(check_kind(f));
    uint64_t n = le64(f->bytes);
    if (n > ST_MAX_HEADER)
        return senet_fail(SENET_ERR_FORMAT, "%s: header length %" PRIu64 " exceeds the limit of %u bytes", f->path, n,
                          ST_MAX_HEADER);
    if (n > f->size - 8)
        return senet_fail(SENET_ERR_FORMAT, "%s: header length %" PRIu64 " exceeds the %zu bytes after the length field",
                          f->path, n, f->size - 8);
    f->data = f->bytes + 8 + n;
    f->data_size = f->size - 8 - (size_t)n;

    size_t label_size = strlen(f->path) + sizeof " header";
    char *label = malloc(label_size);
    if (!label)
        return senet_fail(SENET_ERR_NOMEM, "%s: out of memory", f->path);
    snprintf(label, label_size, "%s header", f->path);
    int status = json_parse((const char *)f->bytes + 8, (size_t)n, label, &f->header);
    free(label);
    TRY(status);

    const json_value *root = json_root(f->header);
    if (root->type != JSON_OBJECT)
        return senet_fail(SENET_ERR_FORMAT, "%s: the header is not a JSON object", f->path);
    size_t members = root->u.list.count;
    const json_value *metadata = NULL;
    for (size_t i = 0; i < members; i++) {
        const json_member *m = &root->u.list.members[i];
        if (strcmp(m->key, "__metadata__") == 0 && m->key_length == 12) {
            if (metadata)
                return senet_fail(SENET_ERR_FORMAT, "%s: the header has two __metadata__ entries", f->path);
            metadata = &m->value;
        }
    }
    if (members - (metadata != NULL) > INT_MAX)
        return senet_fail(SENET_ERR_FORMAT, "%s: too many tensors", f->path);
    size_t count = members - (metadata != NULL);
    f->tensors = calloc(count ? count : 1, sizeof *f->tensors);
    f->by_name = malloc((count ? count : 1) * sizeof *f->by_name);
    if (!f->tensors || !f->by_name)
        return senet_fail(SENET_ERR_NOMEM, "%s: out of memory for %zu tensors", f->path, count);
    if (metadata)
        TRY(parse_metadata(f, metadata));
    for (size_t i = 0; i < members; i++) {
        const json_member *m = &root->u.list.members[i];
        if (&m->value == metadata)
            continue;
        st_tensor *t = &f->tensors[f->count];
        TRY(parse_tensor(f, m, t));
        f->by_name[f->count++] = t;
    }
    qsort(f->by_name, (size_t)f->count, sizeof *f->by_name, compare_tensor_names);
    for (int i = 1; i < f->count; i++)
        if (strcmp(f->by_name[i - 1]->name, f->by_name[i]->name) == 0)
            return senet_fail(SENET_ERR_FORMAT, "%s: duplicate tensor name '%s'", f->path, f->by_name[i]->name);
    return check_coverage(f);
}

int safetensors_open(const char *path, safetensors_file **out)
{
    if (!out || !path)
        return senet_fail(SENET_ERR_ARGUMENT, "safetensors_open: path and out must not be NULL");
    *out = NULL;
    safetensors_file *f = calloc(1, sizeof *f);
    if (!f || !(f->path = strdup(path))) {
        free(f);
        return senet_fail(SENET_ERR_NOMEM, "%s: out of memory", path);
    }
    int status = read_whole_file(f);
    if (status == SENET_OK)
        status = parse_header(f);
    if (status != SENET_OK) {
        safetensors_close(f);
        return status;
    }
    *out = f;
    return SENET_OK;
}

void safetensors_close(safetensors_file *f)
{
    if (!f)
        return;
    json_free(f->header);
    free(f->metadata);
    free(f->by_name);
    free(f->tensors);
    if (f->mapped)
        munmap(f->bytes, f->size);
    else
        aligned_free(f->bytes);
    free(f->path);
    free(f);
}

const char *safetensors_path(const safetensors_file *f) { return f ? f->path : NULL; }

int safetensors_count(const safetensors_file *f) { return f ? f->count : 0; }

const st_tensor *safetensors_tensor(const safetensors_file *f, int index)
{
    return f && index >= 0 && index < f->count ? &f->tensors[index] : NULL;
}

static int compare_name_to_tensor(const void *key, const void *elem)
{
    return strcmp((const char *)key, (*(const st_tensor *const *)elem)->name);
}

const st_tensor *safetensors_find(const safetensors_file *f, const char *name)
{
    if (!f || !name || f->count == 0)
        return NULL;
    const st_tensor *const *hit = bsearch(name, f->by_name, (size_t)f->count, sizeof *f->by_name,
                                          compare_name_to_tensor);
    return hit ? *hit : NULL;
}

int safetensors_metadata_count(const safetensors_file *f) { return f ? f->metadata_count : 0; }

const char *safetensors_metadata_key(const safetensors_file *f, int index)
{
    return f && index >= 0 && index < f->metadata_count ? f->metadata[index]->key : NULL;
}

const char *safetensors_metadata_get(const safetensors_file *f, const char *key)
{
    if (!f || !key || f->metadata_count == 0)
        return NULL;
    json_member probe = {.key = key, .key_length = strlen(key)};
    const json_member *p = &probe;
    const json_member *const *hit = bsearch(&p, f->metadata, (size_t)f->metadata_count, sizeof *f->metadata,
                                            compare_member_ptrs);
    return hit ? (*hit)->value.u.str.text : NULL;
}

const void *safetensors_data(const safetensors_file *f, const st_tensor *t)
{
    return f && t ? f->data + t->begin : NULL;
}

static int check_read(const safetensors_file *f, const st_tensor *t, const void *dst, size_t count, const char *what)
{
    if (!f || !t || (!dst && count > 0))
        return senet_fail(SENET_ERR_ARGUMENT, "%s: file, tensor and destination must not be NULL", what);
    if (t < f->tensors || t >= f->tensors + f->count)
        return senet_fail(SENET_ERR_ARGUMENT, "%s: tensor '%s' does not belong to %s", what, t->name, f->path);
    size_t numel = st_tensor_numel(t);
    if (count != numel) {
        char shape[200];
        return senet_fail(SENET_ERR_SHAPE, "%s: tensor '%s' has %zu elements (shape %s), but %zu were asked for",
                          f->path, t->name, numel, format_shape(t->shape, t->ndim, shape, sizeof shape), count);
    }
    return SENET_OK;
}

/* A tensor's bytes leave the resident set once read (a mapping reads them
 * again from the file if asked twice). */
static int release_tensor(const safetensors_file *f, const st_tensor *t, int status)
{
    if (f->mapped)
        release_pages(f->data + t->begin, t->end - t->begin);
    return status;
}

static int decode_f32(const safetensors_file *f, const st_tensor *t, float *dst, size_t count)
{
    const unsigned char *p = f->data + t->begin;
    switch (t->dtype) {
    case ST_F32:
        if (st_host_is_little_endian() && count > 0)
            memcpy(dst, p, count * sizeof *dst);
        else
            for (size_t i = 0; i < count; i++)
                dst[i] = f32_from_bits(le32(p + 4 * i));
        return SENET_OK;
    case ST_F16:
        for (size_t i = 0; i < count; i++)
            dst[i] = half_to_float(le16(p + 2 * i));
        return SENET_OK;
    case ST_BF16:
        for (size_t i = 0; i < count; i++)
            dst[i] = f32_from_bits((uint32_t)le16(p + 2 * i) << 16);
        return SENET_OK;
    case ST_F64:
        for (size_t i = 0; i < count; i++) {
            uint64_t bits = le64(p + 8 * i);
            double d;
            memcpy(&d, &bits, sizeof d);
            dst[i] = (float)d;
        }
        return SENET_OK;
    default:
        return senet_fail(SENET_ERR_SHAPE, "%s: tensor '%s' is %s, not F32, F16, BF16 or F64", f->path, t->name,
                          st_dtype_name(t->dtype));
    }
}

int safetensors_read_f32(const safetensors_file *f, const st_tensor *t, float *dst, size_t count)
{
    TRY(check_read(f, t, dst, count, "safetensors_read_f32"));
    return release_tensor(f, t, decode_f32(f, t, dst, count));
}

static int decode_i64(const safetensors_file *f, const st_tensor *t, int64_t *dst, size_t count)
{
    const unsigned char *p = f->data + t->begin;
    switch (t->dtype) {
    case ST_I64:
        if (st_host_is_little_endian() && count > 0)
            memcpy(dst, p, count * sizeof *dst);
        else
            for (size_t i = 0; i < count; i++) {
                uint64_t u = le64(p + 8 * i);
                memcpy(&dst[i], &u, sizeof u);
            }
        return SENET_OK;
    case ST_I32:
        for (size_t i = 0; i < count; i++) {
            uint32_t u = le32(p + 4 * i);
            int32_t v;
            memcpy(&v, &u, sizeof v);
            dst[i] = v;
        }
        return SENET_OK;
    case ST_I16:
        for (size_t i = 0; i < count; i++)
            dst[i] = (int64_t)le16(p + 2 * i) - (p[2 * i + 1] & 0x80 ? 0x10000 : 0);
        return SENET_OK;
    case ST_I8:
        for (size_t i = 0; i < count; i++)
            dst[i] = (int64_t)p[i] - (p[i] & 0x80 ? 0x100 : 0);
        return SENET_OK;
    case ST_U32:
        for (size_t i = 0; i < count; i++)
            dst[i] = le32(p + 4 * i);
        return SENET_OK;
    case ST_U16:
        for (size_t i = 0; i < count; i++)
            dst[i] = le16(p + 2 * i);
        return SENET_OK;
    case ST_U8:
        for (size_t i = 0; i < count; i++)
            dst[i] = p[i];
        return SENET_OK;
    case ST_BOOL:
        for (size_t i = 0; i < count; i++)
            dst[i] = p[i] != 0;
        return SENET_OK;
    default:
        return senet_fail(SENET_ERR_SHAPE, "%s: tensor '%s' is %s, not an integer dtype that fits int64", f->path, t->name,
                          st_dtype_name(t->dtype));
    }
}

int safetensors_read_i64(const safetensors_file *f, const st_tensor *t, int64_t *dst, size_t count)
{
    TRY(check_read(f, t, dst, count, "safetensors_read_i64"));
    return release_tensor(f, t, decode_i64(f, t, dst, count));
}
