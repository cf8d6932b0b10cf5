/* Fuzz target: JPEG decoding (libjpeg-turbo behind senet's error handling). */
#include "data/decode.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    image_u8 img;
    image_init(&img);
    (void)jpeg_decode_memory(data, size, "fuzz.jpg", &img);
    image_free(&img);
    return 0;
}
