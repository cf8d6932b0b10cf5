/* PNG decoding through libpng.
 *
 * libpng reports errors by longjmp to the jmp_buf of the read struct. Its
 * warnings (odd colour profiles and the like) are harmless and would go to
 * stderr; the last one is kept instead, because for some errors ("Invalid
 * IHDR data") the warning before it says what was wrong. The transformations give what PIL's
 * convert("RGB") gives: palettes and low bit depths expanded, 16-bit
 * samples reduced to their high byte, alpha dropped, grey copied to R, G, B.
 * The whole file is read, IEND included, so a truncated file is an error. */
#include "decode.h"

#include "../base/status.h"

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct png_source {
    const uint8_t *data;
    size_t size, pos;
    png_bytep *rows; /* (h) row pointers into the image, freed on every exit */
    char warning[128];  /* the last warning */
    char message[320];  /* the error, with the last warning */
} png_source;

static void on_error(png_structp png, png_const_charp msg)
{
    png_source *src = png_get_error_ptr(png);
    if (src->warning[0])
        snprintf(src->message, sizeof src->message, "%s (%s)", msg, src->warning);
    else
        snprintf(src->message, sizeof src->message, "%s", msg);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg)
{
    png_source *src = png_get_error_ptr(png);
    snprintf(src->warning, sizeof src->warning, "%s", msg);
}

static void read_bytes(png_structp png, png_bytep out, png_size_t n)
{
    png_source *src = png_get_io_ptr(png);
    if (n > src->size - src->pos)
        png_error(png, "unexpected end of file");
    memcpy(out, src->data + src->pos, n);
    src->pos += n;
}

int png_decode_memory(const uint8_t *data, size_t size, const char *name, image_u8 *out)
{
    png_source src = {data, size, 0, NULL, "", ""};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return senet_fail(SENET_ERR_NOMEM, "%s: cannot create a PNG reader", name);
    }
    if (setjmp(png_jmpbuf(png))) {
        free(src.rows);
        png_destroy_read_struct(&png, &info, NULL);
        return senet_fail(SENET_ERR_FORMAT, "%s: corrupt or truncated PNG: %s", name, src.message);
    }
    png_set_read_fn(png, &src, read_bytes);
    png_set_user_limits(png, IMAGE_MAX_SIDE, IMAGE_MAX_SIDE);
    png_set_chunk_malloc_max(png, 64u << 20);
    png_read_info(png, info);
    int h = (int)png_get_image_height(png, info), w = (int)png_get_image_width(png, info);
    int status = image_resize_buffer(out, h, w, name);
    if (status != SENET_OK) {
        png_destroy_read_struct(&png, &info, NULL);
        return status;
    }
    png_set_expand(png);
    png_set_strip_16(png);
    png_set_strip_alpha(png);
    png_set_gray_to_rgb(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_rowbytes(png, info) != (size_t)w * 3)
        png_error(png, "unexpected row size after conversion to RGB");
    src.rows = malloc((size_t)h * sizeof *src.rows);
    if (!src.rows)
        png_error(png, "out of memory for row pointers");
    for (int y = 0; y < h; y++)
        src.rows[y] = out->data + (size_t)y * (size_t)w * 3;
    png_read_image(png, src.rows);
    png_read_end(png, NULL);
    free(src.rows);
    png_destroy_read_struct(&png, &info, NULL);
    return SENET_OK;
}
