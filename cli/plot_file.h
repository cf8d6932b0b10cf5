/* Writing a picture drawn as SVG to a file: the SVG itself, or (a name
 * ending in .png) the same SVG rendered by librsvg (plot_png.h), so both
 * formats show one drawing. Shared by senet plot and senet excite. */
#ifndef SENET_CLI_PLOT_FILE_H
#define SENET_CLI_PLOT_FILE_H

#include <stdio.h>

/* Draws the picture described by ctx onto out; nonzero on failure. */
typedef int (*svg_drawer)(FILE *out, const void *ctx);

/* 1 when PATH ends in SUFFIX (case-insensitive). */
int path_ends_with(const char *path, const char *suffix);

/* Checks that OUTPUT ends in .svg or .png, and that --scale, when given,
 * has a PNG to apply to; 0, or -1 with the message printed. */
int plot_check_output(const char *command, const char *output, int scale_given);

/* Draws and writes OUTPUT (PNG at `scale` pixels per SVG unit); 0, or 1
 * with the message printed and no partial file left. */
int plot_write_file(const char *command, const char *output, svg_drawer draw, const void *ctx, double scale);

#endif
