/* Fuzz target: PNG decoding (libpng behind senet's error handling), and the
 * signature dispatch of image_decode_memory. */
#include "data/decode.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    image_u8 img;
    image_init(&img);
    (void)png_decode_memory(data, size, "fuzz.png", &img);
    (void)image_decode_memory(data, size, "fuzz", &img);
    image_free(&img);
    return 0;
}
