/* See plot_png.h. Built with librsvg and cairo when CMake finds them
 * (Debian: librsvg2-dev); without them a PNG is refused with a message. */
#include "plot_png.h"

#include <stdio.h>

#ifdef SENET_HAVE_RSVG
#include <cairo.h>
#include <errno.h>
#include <librsvg/rsvg.h>
#include <math.h>
#include <string.h>

static cairo_status_t write_to_file(void *closure, const unsigned char *data, unsigned int length)
{
    return fwrite(data, 1, length, closure) == length ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

/* SURFACE as a PNG file at PATH, with the system's reason when it fails. */
static int write_png(cairo_surface_t *surface, const char *path, char *msg, size_t msg_size)
{
    FILE *fp = fopen(path, "wb");
    if (!fp) {
        snprintf(msg, msg_size, "cannot create: %s", strerror(errno));
        return -1;
    }
    cairo_status_t written = cairo_surface_write_to_png_stream(surface, write_to_file, fp);
    int closed = fclose(fp);
    if (written != CAIRO_STATUS_SUCCESS || closed != 0) {
        snprintf(msg, msg_size, "write failed: %s",
                 written != CAIRO_STATUS_SUCCESS ? cairo_status_to_string(written) : strerror(errno));
        return -1;
    }
    return 0;
}

int plot_png_write(const char *svg, size_t len, double scale, const char *path, char *msg, size_t msg_size)
{
    GError *error = NULL;
    RsvgHandle *handle = rsvg_handle_new_from_data((const guint8 *)svg, len, &error);
    if (!handle) {
        snprintf(msg, msg_size, "cannot read the plot's SVG: %s", error ? error->message : "unknown error");
        g_clear_error(&error);
        return -1;
    }
    gdouble width = 0, height = 0;
    if (!rsvg_handle_get_intrinsic_size_in_pixels(handle, &width, &height) || width <= 0 || height <= 0) {
        snprintf(msg, msg_size, "the plot's SVG has no size in pixels");
        g_object_unref(handle);
        return -1;
    }
    int w = (int)ceil(width * scale), h = (int)ceil(height * scale);
    cairo_surface_t *surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    cairo_t *cr = cairo_create(surface);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    RsvgRectangle viewport = {0, 0, w, h};
    int status = 0;
    if (!rsvg_handle_render_document(handle, cr, &viewport, &error)) {
        snprintf(msg, msg_size, "cannot draw the plot: %s", error ? error->message : "unknown error");
        status = -1;
    } else if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
        snprintf(msg, msg_size, "cannot draw the plot: %s", cairo_status_to_string(cairo_status(cr)));
        status = -1;
    } else {
        status = write_png(surface, path, msg, msg_size);
    }
    g_clear_error(&error);
    cairo_destroy(cr);
    cairo_surface_destroy(surface);
    g_object_unref(handle);
    return status;
}

#else

int plot_png_write(const char *svg, size_t len, double scale, const char *path, char *msg, size_t msg_size)
{
    (void)svg, (void)len, (void)scale, (void)path;
    snprintf(msg, msg_size, "this senet was built without librsvg and cairo (Debian: librsvg2-dev, then rebuild); "
                            "write an .svg instead");
    return -1;
}

#endif
