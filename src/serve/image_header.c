/* PNG: signature, then the IHDR chunk with width and height big-endian.
 * JPEG: SOI, then segments (0xFF, marker, big-endian length) until a
 * start-of-frame marker, whose payload holds precision, height, width. */
#include "image_header.h"

#include <string.h>

static unsigned long be32(const unsigned char *p)
{
    return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 | (unsigned long)p[2] << 8 | p[3];
}

static unsigned be16(const unsigned char *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

static int png_size(const unsigned char *d, size_t size, long *w, long *h)
{
    static const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (size < 24 || memcmp(d, signature, 8) != 0 || memcmp(d + 12, "IHDR", 4) != 0)
        return -1;
    *w = (long)be32(d + 16);
    *h = (long)be32(d + 20);
    return 0;
}

/* SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the range. */
static int is_sof(unsigned m)
{
    return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}

static int jpeg_size(const unsigned char *d, size_t size, long *w, long *h)
{
    if (size < 4 || d[0] != 0xFF || d[1] != 0xD8)
        return -1;
    size_t at = 2;
    while (at + 4 <= size) {
        if (d[at] != 0xFF)
            return -1;
        unsigned marker = d[at + 1];
        if (marker == 0xFF) { /* fill byte */
            at++;
            continue;
        }
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) { /* no length */
            at += 2;
            continue;
        }
        unsigned length = be16(d + at + 2);
        if (length < 2)
            return -1;
        if (is_sof(marker)) {
            if (at + 9 > size)
                return -1;
            *h = (long)be16(d + at + 5);
            *w = (long)be16(d + at + 7);
            return 0;
        }
        if (marker == 0xDA || marker == 0xD9) /* scan data or end before any frame */
            return -1;
        at += 2 + (size_t)length;
    }
    return -1;
}

int image_header_size(const unsigned char *data, size_t size, long *width, long *height)
{
    if (!data)
        return -1;
    if (png_size(data, size, width, height) == 0)
        return 0;
    return jpeg_size(data, size, width, height);
}
