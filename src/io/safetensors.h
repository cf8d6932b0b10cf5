/* Reading and writing safetensors files (floor 4: io).
 *
 * Layout: an 8-byte little-endian u64 N, N bytes of UTF-8 JSON
 *   {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
 *    "__metadata__": {"key": "value"}}
 * then the data section, to which the offsets are relative. The reader takes
 * nothing on trust: every tensor must be in bounds and the tensors, sorted by
 * begin, must tile the data section exactly. Every failure names the file. */
#ifndef SENET_IO_SAFETENSORS_H
#define SENET_IO_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#define ST_MAX_DIMS 8
#define ST_MAX_NAME 256                      /* names are at most 255 bytes */
#define ST_MAX_HEADER (100u * 1000u * 1000u) /* the reference implementation's cap */

typedef enum st_dtype {
    ST_F32, ST_F16, ST_BF16, ST_F64, ST_I64, ST_I32, ST_U8, ST_BOOL,
    ST_I16, ST_I8, ST_U16, ST_U32, ST_U64 /* append only */
} st_dtype;

typedef struct st_tensor {
    char name[ST_MAX_NAME];
    st_dtype dtype;
    int ndim;               /* 0..8; 0 is a scalar (shape []) */
    int64_t shape[ST_MAX_DIMS];
    size_t begin, end;      /* byte offsets inside the data section */
} st_tensor;

typedef struct safetensors_file safetensors_file; /* opaque */

/* Reads the whole file into memory and validates it.
 * SENET_ERR_IO: cannot open or read; SENET_ERR_FORMAT: malformed;
 * SENET_ERR_NOMEM: allocation failed. */
int safetensors_open(const char *path, safetensors_file **out);
void safetensors_close(safetensors_file *f);
const char *safetensors_path(const safetensors_file *f);

/* Tensors in the order of the header. */
int safetensors_count(const safetensors_file *f);
const st_tensor *safetensors_tensor(const safetensors_file *f, int index);
const st_tensor *safetensors_find(const safetensors_file *f, const char *name); /* NULL if absent */

/* The string entries of "__metadata__" (values of other types are skipped). */
int safetensors_metadata_count(const safetensors_file *f);
const char *safetensors_metadata_key(const safetensors_file *f, int index);
const char *safetensors_metadata_get(const safetensors_file *f, const char *key); /* NULL if absent */

size_t st_tensor_numel(const st_tensor *t);
size_t st_dtype_size(st_dtype d);        /* bytes per element; 0 for an unknown dtype */
const char *st_dtype_name(st_dtype d);   /* "F32", ...; "?" for an unknown dtype */

/* F32, F16, BF16 and F64 to float (F16 and BF16 exactly; F64 rounds).
 * count must equal numel, else SENET_ERR_SHAPE naming the tensor; another
 * dtype is SENET_ERR_SHAPE too. */
int safetensors_read_f32(const safetensors_file *f, const st_tensor *t, float *dst, size_t count);
/* I64, I32, I16, I8, U32, U16, U8 and BOOL to int64, with the same checks
 * (U64 may not fit: read it with safetensors_data). */
int safetensors_read_i64(const safetensors_file *f, const st_tensor *t, int64_t *dst, size_t count);
/* The raw little-endian bytes of a tensor (end - begin of them). */
const void *safetensors_data(const safetensors_file *f, const st_tensor *t);

typedef struct st_write_entry {
    const char *name;
    st_dtype dtype;         /* any st_dtype; data in host order, written little-endian */
    int ndim;
    int64_t shape[ST_MAX_DIMS];
    const void *data;       /* numel * element size bytes */
} st_write_entry;

/* Writes atomically: PATH.tmp.<pid> in the same folder, fwrite, fflush,
 * fsync, rename over PATH; on any failure removes the temporary file and
 * leaves an existing PATH intact. Tensors are stored in the given order.
 * SENET_ERR_ARGUMENT for a bad entry (empty, long or duplicate name, bad
 * shape), SENET_ERR_IO when the file cannot be written. */
int safetensors_write(const char *path, const st_write_entry *entries, int count);
/* As above, plus "__metadata__" from keys[i] -> values[i] (UTF-8 strings). */
int safetensors_write_metadata(const char *path, const st_write_entry *entries, int count,
                               const char *const *keys, const char *const *values, int metadata_count);

#endif
