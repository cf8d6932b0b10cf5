/* The safetensors writer: validates the entries, builds the JSON header
 * (padded to 8 bytes), and writes atomically — a temporary file in the same
 * folder, fsync, rename — so that an existing file survives any failure. */
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
#include <sys/stat.h>
#include <unistd.h>


static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int check_entries(const char *path, const st_write_entry *e, int count)
{
    size_t total = 0;
    for (int i = 0; i < count; i++) {
        const char *name = e[i].name;
        size_t len = name ? strlen(name) : 0;
        if (len == 0)
            return senet_fail(SENET_ERR_ARGUMENT, "%s: tensor %d has no name", path, i);
        if (len >= ST_MAX_NAME)
            return senet_fail(SENET_ERR_ARGUMENT, "%s: tensor name '%.40s...' is %zu bytes, longer than %d", path,
                              name, len, ST_MAX_NAME - 1);
        if (!json_utf8_valid(name, len))
            return senet_fail(SENET_ERR_ARGUMENT, "%s: tensor %d: name is not valid UTF-8", path, i);
        if (strcmp(name, "__metadata__") == 0)
            return senet_fail(SENET_ERR_ARGUMENT, "%s: tensor %d: the name __metadata__ is reserved", path, i);
        if ((unsigned)e[i].dtype >= ST_DTYPE_COUNT)
            return senet_fail(SENET_ERR_ARGUMENT, "%s: tensor '%s': unknown dtype %d", path, name, (int)e[i].dtype);
        if (e[i].ndim < 0 || e[i].ndim > ST_MAX_DIMS)
            return senet_fail(SENET_ERR_ARGUMENT, "%s: tensor '%s': %d dimensions, expected 0 to %d", path, name,
                              e[i].ndim, ST_MAX_DIMS);
        for (int d = 0; d < e[i].ndim; d++)
            if (e[i].shape[d] < 0)
                return senet_fail(SENET_ERR_ARGUMENT, "%s: tensor '%s': shape[%d] is negative (%" PRId64 ")", path,
                                  name, d, e[i].shape[d]);
        int overflow = 0;
        size_t bytes = st_shape_bytes(e[i].shape, e[i].ndim, st_dtype_size(e[i].dtype), &overflow);
        if (overflow || (uint64_t)bytes > (uint64_t)INT64_MAX - total)
            return senet_fail(SENET_ERR_ARGUMENT, "%s: tensor '%s': the size overflows", path, name);
        if (bytes > 0 && !e[i].data)
            return senet_fail(SENET_ERR_ARGUMENT, "%s: tensor '%s': data is NULL", path, name);
        total += bytes;
    }
    const char **names = malloc((count ? (size_t)count : 1) * sizeof *names);
    if (!names)
        return senet_fail(SENET_ERR_NOMEM, "%s: out of memory", path);
    for (int i = 0; i < count; i++)
        names[i] = e[i].name;
    qsort(names, (size_t)count, sizeof *names, compare_strings);
    int status = SENET_OK;
    for (int i = 1; i < count && status == SENET_OK; i++)
        if (strcmp(names[i - 1], names[i]) == 0)
            status = senet_fail(SENET_ERR_ARGUMENT, "%s: duplicate tensor name '%s'", path, names[i]);
    free(names);
    return status;
}

/* Metadata is a handful of entries, so the duplicate check is quadratic. */
static int check_metadata(const char *path, const char *const *keys, const char *const *values, int count)
{
    for (int i = 0; i < count; i++) {
        if (!keys[i] || !values[i])
            return senet_fail(SENET_ERR_ARGUMENT, "%s: metadata entry %d is NULL", path, i);
        if (!json_utf8_valid(keys[i], strlen(keys[i])) || !json_utf8_valid(values[i], strlen(values[i])))
            return senet_fail(SENET_ERR_ARGUMENT, "%s: metadata entry %d is not valid UTF-8", path, i);
        for (int j = 0; j < i; j++)
            if (strcmp(keys[i], keys[j]) == 0)
                return senet_fail(SENET_ERR_ARGUMENT, "%s: duplicate metadata key '%s'", path, keys[i]);
    }
    return SENET_OK;
}

/* The JSON header, padded with spaces so that the data section starts at a
 * multiple of 8 bytes, as the reference writer does. */
static int build_header(const char *path, const st_write_entry *e, int count, const char *const *keys,
                        const char *const *values, int metadata_count, json_buf *b)
{
    json_buf_puts(b, "{");
    if (metadata_count > 0) {
        json_buf_puts(b, "\"__metadata__\":{");
        for (int i = 0; i < metadata_count; i++) {
            if (i)
                json_buf_puts(b, ",");
            json_buf_string(b, keys[i], strlen(keys[i]));
            json_buf_puts(b, ":");
            json_buf_string(b, values[i], strlen(values[i]));
        }
        json_buf_puts(b, "}");
    }
    size_t offset = 0;
    for (int i = 0; i < count; i++) {
        int overflow = 0;
        size_t bytes = st_shape_bytes(e[i].shape, e[i].ndim, st_dtype_size(e[i].dtype), &overflow);
        if (i || metadata_count > 0)
            json_buf_puts(b, ",");
        json_buf_string(b, e[i].name, strlen(e[i].name));
        json_buf_puts(b, ":{\"dtype\":\"");
        json_buf_puts(b, st_dtype_name(e[i].dtype));
        json_buf_puts(b, "\",\"shape\":[");
        for (int d = 0; d < e[i].ndim; d++) {
            if (d)
                json_buf_puts(b, ",");
            json_buf_int(b, e[i].shape[d]);
        }
        json_buf_puts(b, "],\"data_offsets\":[");
        json_buf_int(b, (int64_t)offset);
        json_buf_puts(b, ",");
        json_buf_int(b, (int64_t)(offset + bytes));
        json_buf_puts(b, "]}");
        offset += bytes;
    }
    json_buf_puts(b, "}");
    while (!json_buf_failed(b) && b->length % 8 != 0)
        json_buf_puts(b, " ");
    if (json_buf_failed(b))
        return senet_fail(SENET_ERR_NOMEM, "%s: out of memory while building the header", path);
    return SENET_OK;
}

/* Host-order elements to little-endian bytes; a copy is needed only on a
 * big-endian host. */
static int write_le(FILE *fp, const void *data, size_t bytes, size_t elem)
{
    if (bytes == 0)
        return 1;
    if (elem == 1 || st_host_is_little_endian())
        return fwrite(data, 1, bytes, fp) == bytes;
    const unsigned char *src = data;
    unsigned char chunk[4096]; /* a multiple of every element size */
    for (size_t done = 0; done < bytes;) {
        size_t n = bytes - done < sizeof chunk ? bytes - done : sizeof chunk;
        for (size_t i = 0; i < n; i += elem)
            for (size_t k = 0; k < elem; k++)
                chunk[i + k] = src[done + i + elem - 1 - k];
        if (fwrite(chunk, 1, n, fp) != n)
            return 0;
        done += n;
    }
    return 1;
}

/* Makes the rename itself durable; a failure here cannot lose the file, so
 * it is not reported. */
static void sync_directory(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    if (!dir)
        return;
    int fd = open(dir, O_RDONLY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    free(dir);
}

static int write_atomically(const char *path, const json_buf *header, const st_write_entry *e, int count)
{
    size_t tmp_size = strlen(path) + 32;
    char *tmp = malloc(tmp_size);
    if (!tmp)
        return senet_fail(SENET_ERR_NOMEM, "%s: out of memory", path);
    snprintf(tmp, tmp_size, "%s.tmp.%ld", path, (long)getpid());
    FILE *fp = fopen(tmp, "wb");
    if (!fp) {
        int status = senet_fail(SENET_ERR_IO, "%s: cannot save (creating %s): %s", path, tmp, strerror(errno));
        free(tmp);
        return status;
    }
    const char *step = NULL;
    int err = 0;
    unsigned char length[8];
    for (int k = 0; k < 8; k++)
        length[k] = (unsigned char)((uint64_t)header->length >> (8 * k));
    errno = 0;
    if (fwrite(length, 1, 8, fp) != 8 || fwrite(header->data, 1, header->length, fp) != header->length)
        step = "writing";
    for (int i = 0; i < count && !step; i++) {
        int overflow = 0;
        size_t elem = st_dtype_size(e[i].dtype);
        if (!write_le(fp, e[i].data, st_shape_bytes(e[i].shape, e[i].ndim, elem, &overflow), elem))
            step = "writing";
    }
    if (!step && fflush(fp) != 0)
        step = "flushing";
    if (!step && fsync(fileno(fp)) != 0)
        step = "syncing";
    if (step)
        err = errno;
    if (fclose(fp) != 0 && !step) {
        step = "closing";
        err = errno;
    }
    if (!step && rename(tmp, path) != 0) {
        step = "renaming";
        err = errno;
    }
    int status = SENET_OK;
    if (step) {
        remove(tmp);
        status = senet_fail(SENET_ERR_IO, "%s: cannot save (%s %s): %s", path, step, tmp,
                            err ? strerror(err) : "unknown error");
    } else
        sync_directory(path);
    free(tmp);
    return status;
}

int safetensors_write_metadata(const char *path, const st_write_entry *entries, int count,
                               const char *const *keys, const char *const *values, int metadata_count)
{
    if (!path || !*path)
        return senet_fail(SENET_ERR_ARGUMENT, "safetensors_write: no path");
    if (count < 0 || (count > 0 && !entries))
        return senet_fail(SENET_ERR_ARGUMENT, "%s: invalid tensor list (count %d)", path, count);
    if (metadata_count < 0 || (metadata_count > 0 && (!keys || !values)))
        return senet_fail(SENET_ERR_ARGUMENT, "%s: invalid metadata (count %d)", path, metadata_count);
    TRY(check_entries(path, entries, count));
    TRY(check_metadata(path, keys, values, metadata_count));
    json_buf header = {0};
    int status = build_header(path, entries, count, keys, values, metadata_count, &header);
    if (status == SENET_OK)
        status = write_atomically(path, &header, entries, count);
    json_buf_free(&header);
    return status;
}

int safetensors_write(const char *path, const st_write_entry *entries, int count)
{
    return safetensors_write_metadata(path, entries, count, NULL, NULL, 0);
}
