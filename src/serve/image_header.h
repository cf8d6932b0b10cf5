/* The size an encoded image claims in its header, read before decoding,
 * so that a decompression bomb (a small file declaring a huge image) is
 * refused without allocating its pixels. */
#ifndef SENET_SERVE_IMAGE_HEADER_H
#define SENET_SERVE_IMAGE_HEADER_H

#include <stddef.h>

/* 0 and the declared width and height of a PNG (IHDR) or JPEG (the first
 * SOFn marker); -1 when data is neither or its header is cut short (the
 * decoder then says what is wrong). */
int image_header_size(const unsigned char *data, size_t size, long *width, long *height);

#endif
