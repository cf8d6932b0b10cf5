/* JPEG decoding through libjpeg-turbo.
 *
 * libjpeg reports errors by calling error_exit, which by default exits the
 * process; here it longjmps back with the message. Its warnings mostly mean
 * damaged data that libjpeg papers over (a truncated file is padded with
 * grey), so every warning is an error except trailing bytes after the image.
 * The decoder keeps libjpeg's defaults (integer DCT, fancy upsampling), so
 * pixels equal those of djpeg and of PIL on the same library. Grey images
 * are expanded to RGB here; CMYK (Adobe files store it inverted) is
 * converted as PIL converts it. */
#include "decode.h"

#include "../base/status.h"

#include <setjmp.h>
#include <stdio.h>

#include <jerror.h>
#include <jpeglib.h>

typedef struct jpeg_guard {
    struct jpeg_error_mgr mgr; /* first: libjpeg sees a jpeg_error_mgr* */
    jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
} jpeg_guard;

static void on_error(j_common_ptr c)
{
    jpeg_guard *g = (jpeg_guard *)c->err;
    (*c->err->format_message)(c, g->message);
    longjmp(g->jump, 1);
}

static void on_message(j_common_ptr c, int level)
{
    if (level < 0 && c->err->msg_code != JWRN_EXTRANEOUS_DATA)
        on_error(c);
}

static void on_output(j_common_ptr c) { (void)c; }

static uint8_t mul255(int a, int b)
{
    int t = a * b + 128;
    return (uint8_t)((t + (t >> 8)) >> 8);
}

/* Row buffer of w*4 CMYK bytes into w*3 RGB bytes. */
static void cmyk_to_rgb(const uint8_t *cmyk, uint8_t *rgb, int w, int inverted)
{
    for (int x = 0; x < w; x++) {
        const uint8_t *p = cmyk + 4 * x;
        int k = inverted ? p[3] : 255 - p[3];
        for (int c = 0; c < 3; c++)
            rgb[3 * x + c] = mul255(inverted ? p[c] : 255 - p[c], k);
    }
}

/* Grey row of w bytes at the start of row, expanded in place to w*3 bytes. */
static void grey_to_rgb_inplace(uint8_t *row, int w)
{
    for (int x = w - 1; x >= 0; x--) {
        uint8_t v = row[x];
        row[3 * x] = row[3 * x + 1] = row[3 * x + 2] = v;
    }
}

int jpeg_decode_memory(const uint8_t *data, size_t size, const char *name, image_u8 *out)
{
    struct jpeg_decompress_struct cinfo;
    jpeg_guard g;
    cinfo.err = jpeg_std_error(&g.mgr);
    g.mgr.error_exit = on_error;
    g.mgr.emit_message = on_message;
    g.mgr.output_message = on_output;
    g.message[0] = '\0';
    if (setjmp(g.jump)) {
        jpeg_destroy_decompress(&cinfo);
        return senet_fail(SENET_ERR_FORMAT, "%s: corrupt or truncated JPEG: %s", name, g.message);
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    jpeg_read_header(&cinfo, TRUE);
    int status = image_resize_buffer(out, (int)cinfo.image_height, (int)cinfo.image_width, name);
    if (status != SENET_OK) {
        jpeg_destroy_decompress(&cinfo);
        return status;
    }
    int cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
    if (cinfo.jpeg_color_space == JCS_GRAYSCALE)
        cinfo.out_color_space = JCS_GRAYSCALE;
    else
        cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    jpeg_start_decompress(&cinfo);
    int w = (int)cinfo.output_width;
    JSAMPARRAY cmyk_row = NULL; /* (1, w*4) in libjpeg's pool, freed with cinfo */
    if (cmyk)
        cmyk_row = (*cinfo.mem->alloc_sarray)((j_common_ptr)&cinfo, JPOOL_IMAGE, (JDIMENSION)w * 4, 1);
    while (cinfo.output_scanline < cinfo.output_height) {
        uint8_t *row = out->data + (size_t)cinfo.output_scanline * (size_t)w * 3;
        if (cmyk) {
            jpeg_read_scanlines(&cinfo, cmyk_row, 1);
            cmyk_to_rgb(cmyk_row[0], row, w, cinfo.saw_Adobe_marker);
        } else {
            JSAMPROW rows[1] = {row};
            jpeg_read_scanlines(&cinfo, rows, 1);
            if (cinfo.out_color_space == JCS_GRAYSCALE)
                grey_to_rgb_inplace(row, w);
        }
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    return SENET_OK;
}
