/* Reading a whole file into memory, with a size cap (floor 5: data). */
#ifndef SENET_DATA_FILE_READ_H
#define SENET_DATA_FILE_READ_H

#include <stddef.h>
#include <stdint.h>

/* Reads PATH into a new buffer (free with free()); *size is its length.
 * SENET_ERR_IO when it cannot be opened or read, SENET_ERR_FORMAT when it is
 * longer than max_bytes, SENET_ERR_NOMEM. An empty file gives a 1-byte
 * buffer and *size 0. */
int file_read_all(const char *path, size_t max_bytes, uint8_t **data, size_t *size);

/* 1 if PATH names a regular file, 0 otherwise (no error recorded). */
int file_is_regular(const char *path);
/* 1 if PATH names a directory, 0 otherwise (no error recorded). */
int file_is_dir(const char *path);

#endif
