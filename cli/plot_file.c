/* A picture drawn as SVG, written as SVG or rendered to PNG (plot_file.h). */
#include "plot_file.h"

#include "plot_png.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int path_ends_with(const char *path, const char *suffix)
{
    size_t n = strlen(path), k = strlen(suffix);
    return n > k && strcasecmp(path + n - k, suffix) == 0;
}

int plot_check_output(const char *command, const char *output, int scale_given)
{
    if (!path_ends_with(output, ".svg") && !path_ends_with(output, ".png")) {
        fprintf(stderr, "senet %s: %s: the output must end in .svg or .png\n", command, output);
        return -1;
    }
    if (scale_given && !path_ends_with(output, ".png")) {
        fprintf(stderr, "senet %s: --scale applies only to a PNG output, not %s\n", command, output);
        return -1;
    }
    return 0;
}

static int save_svg(const char *command, const char *output, svg_drawer draw, const void *ctx)
{
    FILE *out = fopen(output, "w");
    if (!out) {
        fprintf(stderr, "senet %s: %s: cannot create: %s\n", command, output, strerror(errno));
        return 1;
    }
    int failed = draw(out, ctx);
    failed |= ferror(out);
    failed |= fclose(out) != 0;
    if (failed) {
        fprintf(stderr, "senet %s: %s: write failed\n", command, output);
        remove(output);
    }
    return failed ? 1 : 0;
}

/* The same SVG, drawn in memory, rendered to a PNG at OUTPUT. */
static int save_png(const char *command, const char *output, svg_drawer draw, const void *ctx, double scale)
{
    char *svg = NULL, msg[512];
    size_t len = 0;
    FILE *out = open_memstream(&svg, &len);
    if (!out) {
        fprintf(stderr, "senet %s: out of memory\n", command);
        return 1;
    }
    int failed = draw(out, ctx);
    failed |= ferror(out);
    failed |= fclose(out) != 0;
    if (failed)
        snprintf(msg, sizeof msg, "out of memory for the picture");
    else
        failed = plot_png_write(svg, len, scale, output, msg, sizeof msg) != 0;
    free(svg);
    if (failed) {
        fprintf(stderr, "senet %s: %s: %s\n", command, output, msg);
        remove(output);
    }
    return failed ? 1 : 0;
}

int plot_write_file(const char *command, const char *output, svg_drawer draw, const void *ctx, double scale)
{
    return path_ends_with(output, ".png") ? save_png(command, output, draw, ctx, scale)
                                          : save_svg(command, output, draw, ctx);
}
