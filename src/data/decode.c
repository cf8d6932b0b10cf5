/* Choosing the decoder by the file's signature. */
#include "decode.h"

#include "../base/status.h"
#include "file_read.h"

#include <stdlib.h>
#include <string.h>

static const uint8_t jpeg_signature[3] = {0xFF, 0xD8, 0xFF};
static const uint8_t png_signature[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};

int image_decode_memory(const uint8_t *data, size_t size, const char *name, image_u8 *out)
{
    if (size >= sizeof jpeg_signature && memcmp(data, jpeg_signature, sizeof jpeg_signature) == 0)
        return jpeg_decode_memory(data, size, name, out);
    if (size >= sizeof png_signature && memcmp(data, png_signature, sizeof png_signature) == 0)
        return png_decode_memory(data, size, name, out);
    return senet_fail(SENET_ERR_FORMAT, "%s: not a JPEG or PNG file (unknown signature)", name);
}

int image_decode_file(const char *path, image_u8 *out)
{
    uint8_t *data;
    size_t size;
    TRY(file_read_all(path, IMAGE_MAX_FILE_BYTES, &data, &size));
    int status = image_decode_memory(data, size, path, out);
    free(data);
    return status;
}
