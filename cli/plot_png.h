/* senet plot's PNG output: the plot's SVG rendered by librsvg onto a cairo
 * image, so that the two formats show the same picture from one drawing. */
#ifndef SENET_CLI_PLOT_PNG_H
#define SENET_CLI_PLOT_PNG_H

#include <stddef.h>

/* Renders the SVG document SVG (LEN bytes) at SCALE times its own size on
 * white and writes it to PATH as a PNG. Returns 0, or -1 with the reason in
 * MSG (also when senet was built without librsvg and cairo). */
int plot_png_write(const char *svg, size_t len, double scale, const char *path, char *msg, size_t msg_size);

#endif
