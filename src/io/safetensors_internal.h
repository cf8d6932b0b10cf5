/* Helpers the safetensors reader and writer share; not part of the io API. */
#ifndef SENET_IO_SAFETENSORS_INTERNAL_H
#define SENET_IO_SAFETENSORS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#define ST_DTYPE_COUNT 13

/* numel * element size, or 0 with *overflow set. */
size_t st_shape_bytes(const int64_t *shape, int ndim, size_t elem, int *overflow);
int st_host_is_little_endian(void);

#endif
