/* Image decoding (floor 5: data): JPEG through libjpeg-turbo, PNG through
 * libpng, told apart by their signatures rather than by file names.
 * Every image comes out as 8-bit RGB (see image.h). Truncated or corrupt
 * data, unknown formats and sizes beyond the limits are SENET_ERR_FORMAT
 * with a message that names the file. */
#ifndef SENET_DATA_DECODE_H
#define SENET_DATA_DECODE_H

#include "image.h"

#include <stddef.h>
#include <stdint.h>

#define IMAGE_MAX_FILE_BYTES (512u << 20) /* larger image files are refused */

/* Reads and decodes the JPEG or PNG file at PATH into OUT (label untouched). */
int image_decode_file(const char *path, image_u8 *out);
/* Decodes an in-memory JPEG or PNG; NAME is used in messages. */
int image_decode_memory(const uint8_t *data, size_t size, const char *name, image_u8 *out);

/* The two decoders behind image_decode_memory. */
int jpeg_decode_memory(const uint8_t *data, size_t size, const char *name, image_u8 *out);
int png_decode_memory(const uint8_t *data, size_t size, const char *name, image_u8 *out);

#endif
