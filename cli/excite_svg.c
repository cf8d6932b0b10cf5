/* senet excite's figures (see excite.h), drawn with senet plot's SVG
 * primitives (svg_draw.h). Every panel is a group with an id, and every
 * series a polyline with an id naming its block and class, so a test can
 * count the series and read their points. */
#include "excite.h"
#include "svg_draw.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* matplotlib's tab20, dark shades first: one colour a class */
static const char *const class_colours[EXCITE_MAX_PLOT_CLASSES] = {
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5"};

static int sampled_count(const excite_run *r, int block)
{
    int c = r->blocks[block].channels;
    return r->num_sampled < c ? r->num_sampled : c;
}

/* The y range of the gates: [0, 1] for sigmoid, widened for what a tanh or
 * ReLU gate reaches, over every value the figure draws (mean +- std when
 * with_std). */
static void gate_range(const excite_run *r, int with_std, double *lo, double *hi)
{
    *lo = 0, *hi = 1;
    for (int i = 0; i < r->num_blocks; i++) {
        const excite_block *b = &r->blocks[i];
        for (int k = -1; k < r->num_classes; k++)
            for (int j = 0; j < sampled_count(r, i); j++) {
                int c = r->sampled[i][j];
                double m = k < 0 ? b->all_mean[c] : b->mean[(size_t)k * b->channels + c];
                double s = with_std ? (k < 0 ? b->all_std[c] : b->std[(size_t)k * b->channels + c]) : 0;
                if (isfinite(m) && isfinite(s)) {
                    *lo = m - s < *lo ? m - s : *lo;
                    *hi = m + s > *hi ? m + s : *hi;
                }
            }
    }
}

/* A polyline through (x_j, y_j) for the finite y. */
static void polyline(FILE *out, svg_panel *p, const char *id, const double *x, const double *y, int n,
                     const char *colour, double width, const char *dash)
{
    fprintf(out, "<polyline id=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\" stroke-linejoin=\"round\"%s%s%s "
                 "points=\"",
            id, colour, width, dash ? " stroke-dasharray=\"" : "", dash ? dash : "", dash ? "\"" : "");
    for (int j = 0, first = 1; j < n; j++)
        if (isfinite(y[j])) {
            fprintf(out, "%s%.1f,%.1f", first ? "" : " ", svg_px(p, x[j]), svg_py(p, y[j]));
            first = 0;
        }
    fprintf(out, "\"/>\n");
}

/* A legend outside the panels: a column of coloured lines and names. */
static void side_legend(FILE *out, double x, double y, const excite_run *r, int with_all)
{
    fprintf(out, "<g id=\"legend\" font-size=\"12\" fill=\"#222\">\n");
    for (int k = 0; k < r->num_classes + with_all; k++) {
        double ly = y + 18.0 * k;
        int all = k == r->num_classes;
        fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\"%s/>\n", x,
                ly - 4, x + 22, ly - 4, all ? "#222" : class_colours[k], all ? " stroke-dasharray=\"5 3\"" : "");
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">", x + 28, ly);
        svg_escaped(out, all ? "all images" : r->class_names[k]);
        fprintf(out, "</text>\n");
    }
    fprintf(out, "</g>\n");
}

static double *positions(int n)
{
    double *x = malloc((size_t)(n > 0 ? n : 1) * sizeof *x);
    for (int j = 0; x && j < n; j++)
        x[j] = j + 1;
    return x;
}

/* Figure 6: a panel a block, a line a class over the sampled channels. */
int excite_svg_between(FILE *out, const void *run)
{
    const excite_run *r = run;
    const double pw = 400, ph = 220, gap_x = 90, gap_y = 110, left = 80, top = 100;
    int cols = r->num_blocks < 3 ? r->num_blocks : 3, rows = (r->num_blocks + cols - 1) / cols;
    double width = left + cols * pw + (cols - 1) * gap_x + 190, height = top + rows * ph + (rows - 1) * gap_y + 70;
    double lo, hi;
    gate_range(r, 0, &lo, &hi);
    double *y = malloc((size_t)(r->num_sampled > 0 ? r->num_sampled : 1) * sizeof *y), *x = positions(r->num_sampled);
    if (!y || !x) {
        free(x);
        free(y);
        return -1;
    }
    char title[256], id[64];
    snprintf(title, sizeof title, "Excitation between classes: %s", r->title);
    svg_begin(out, width, height, title);
    snprintf(title, sizeof title, "mean gate per class over %d images each, on up to %d channels sampled per block",
             r->num_classes ? (int)r->class_images[0] : 0, r->num_sampled);
    svg_subtitle(out, width, title);
    for (int i = 0; i < r->num_blocks; i++) {
        const excite_block *b = &r->blocks[i];
        int n = sampled_count(r, i);
        snprintf(id, sizeof id, "between-%d", i);
        svg_panel p = {left + (i % cols) * (pw + gap_x), top + (i / cols) * (ph + gap_y), pw, ph, 0.5, n + 0.5, lo, hi,
                       svg_nice_step(n, 6), svg_nice_step(hi - lo, 5), id, NULL, NULL, 0, 0};
        char panel_title[128];
        snprintf(panel_title, sizeof panel_title, "%s (%s)", b->paper_name, b->name);
        fprintf(out, "<g id=\"%s\" data-block=\"%s\">\n", id, b->name);
        svg_axes(out, &p, "sampled channel", "excitation", panel_title, "");
        fprintf(out, "<g clip-path=\"url(#%s-clip)\">\n", id);
        for (int k = 0; k <= r->num_classes; k++) {
            int all = k == r->num_classes;
            for (int j = 0; j < n; j++) {
                int c = r->sampled[i][j];
                y[j] = all ? b->all_mean[c] : b->mean[(size_t)k * b->channels + c];
            }
            char sid[96];
            if (all)
                snprintf(sid, sizeof sid, "%s-all", id);
            else
                snprintf(sid, sizeof sid, "%s-class-%d", id, k);
            polyline(out, &p, sid, x, y, n, all ? "#222" : class_colours[k], all ? 1.6 : 1.4, all ? "5 3" : NULL);
        }
        fprintf(out, "</g>\n</g>\n");
        free(p.ox);
        free(p.oy);
    }
    side_legend(out, width - 170, top + 10, r, 1);
    fprintf(out, "</svg>\n");
    free(x);
    free(y);
    return 0;
}

/* Figure 7: a panel a block and class, the mean with a band of +-1 std. */
int excite_svg_within(FILE *out, const void *run)
{
    const excite_run *r = run;
    const double pw = 220, ph = 120, gap_x = 40, gap_y = 56, left = 110, top = 100;
    int cols = r->num_classes, rows = r->num_blocks;
    double width = left + cols * pw + (cols - 1) * gap_x + 40, height = top + rows * ph + (rows - 1) * gap_y + 60;
    double lo, hi;
    gate_range(r, 1, &lo, &hi);
    int most = r->num_sampled > 0 ? r->num_sampled : 1;
    double *y = malloc((size_t)most * sizeof *y), *x = positions(most);
    if (!y || !x) {
        free(x);
        free(y);
        return -1;
    }
    char title[256], id[64];
    snprintf(title, sizeof title, "Excitation within a class: %s", r->title);
    svg_begin(out, width, height, title);
    svg_subtitle(out, width, "mean gate over the images of each class (line) and +-1 standard deviation (band), on the "
                             "sampled channels");
    for (int i = 0; i < rows; i++) {
        const excite_block *b = &r->blocks[i];
        int n = sampled_count(r, i);
        for (int k = 0; k < cols; k++) {
            snprintf(id, sizeof id, "within-%d-class-%d", i, k);
            svg_panel p = {left + k * (pw + gap_x), top + i * (ph + gap_y), pw, ph, 0.5, n + 0.5, lo, hi,
                           svg_nice_step(n, 4), svg_nice_step(hi - lo, 3), id, NULL, NULL, 0, 0};
            fprintf(out, "<g id=\"%s\" data-block=\"%s\" data-class=\"", id, b->name);
            svg_escaped(out, r->class_names[k]);
            fprintf(out, "\">\n");
            svg_axes(out, &p, "", k == 0 ? b->paper_name : "", i == 0 ? r->class_names[k] : "", "");
            const double *mean = b->mean + (size_t)k * b->channels, *std = b->std + (size_t)k * b->channels;
            fprintf(out, "<g clip-path=\"url(#%s-clip)\">\n<polygon id=\"%s-band\" fill=\"%s\" fill-opacity=\"0.25\" "
                         "stroke=\"none\" points=\"",
                    id, id, class_colours[k]);
            for (int j = 0; j < n; j++) {
                int c = r->sampled[i][j];
                fprintf(out, "%s%.1f,%.1f", j ? " " : "", svg_px(&p, j + 1), svg_py(&p, mean[c] + std[c]));
            }
            for (int j = n - 1; j >= 0; j--) {
                int c = r->sampled[i][j];
                fprintf(out, " %.1f,%.1f", svg_px(&p, j + 1), svg_py(&p, mean[c] - std[c]));
            }
            fprintf(out, "\"/>\n");
            for (int j = 0; j < n; j++)
                y[j] = mean[r->sampled[i][j]];
            char sid[96];
            snprintf(sid, sizeof sid, "%s-mean", id);
            polyline(out, &p, sid, x, y, n, class_colours[k], 1.4, NULL);
            fprintf(out, "</g>\n</g>\n");
        }
    }
    fprintf(out, "</svg>\n");
    free(x);
    free(y);
    return 0;
}

/* The x axis of the depth figure: the blocks' paper names under the panel. */
static void block_ticks(FILE *out, const svg_panel *p, const excite_run *r)
{
    fprintf(out, "<g id=\"%s-blocks\" font-size=\"11\" fill=\"#333\">\n", p->id);
    for (int i = 0; i < r->num_blocks; i++) {
        double X = svg_px(p, i + 1), Y = p->top + p->height;
        fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n", X, Y, X, Y + 5);
        fprintf(out, "<text transform=\"translate(%.1f %.1f) rotate(-40)\" text-anchor=\"end\">", X + 3, Y + 16);
        svg_escaped(out, r->blocks[i].paper_name);
        fprintf(out, "</text>\n");
    }
    fprintf(out, "</g>\n");
}

/* Markers on a depth series. */
static void markers(FILE *out, const svg_panel *p, const double *x, const double *y, int n, const char *colour)
{
    for (int j = 0; j < n; j++)
        if (isfinite(y[j]))
            fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n", svg_px(p, x[j]), svg_py(p, y[j]),
                    colour);
}

/* A panel of the depth figure: two series by block, with their legend. */
static void depth_panel(FILE *out, svg_panel *p, const excite_run *r, const char *title, const char *ylabel,
                        const char *unit, const double *x, const double *a, const double *b, const svg_style *styles,
                        int legend_bottom)
{
    svg_axes(out, p, "", ylabel, title, unit);
    block_ticks(out, p, r);
    fprintf(out, "<g clip-path=\"url(#%s-clip)\">\n", p->id);
    for (int k = 0; k < 2; k++) {
        polyline(out, p, styles[k].id, x, k ? b : a, r->num_blocks, styles[k].color, styles[k].width, styles[k].dash);
        markers(out, p, x, k ? b : a, r->num_blocks, styles[k].color);
    }
    fprintf(out, "</g>\n");
    svg_legend(out, p, styles, 2, legend_bottom);
}

/* Across depth: class-specificity (left) and the saturated shares (right) by block. */
int excite_svg_depth(FILE *out, const void *run)
{
    const excite_run *r = run;
    int n = r->num_blocks;
    const double width = 1060, height = 500;
    double *x = positions(n), *spec = malloc((size_t)n * sizeof *spec), *high = malloc((size_t)n * sizeof *high),
           *low = malloc((size_t)n * sizeof *low), *agree = malloc((size_t)n * sizeof *agree);
    if (!x || !spec || !high || !low || !agree) {
        free(x);
        free(agree);
        free(spec);
        free(high);
        free(low);
        return -1;
    }
    double smax = 0, tmax = 0;
    for (int i = 0; i < n; i++) {
        spec[i] = r->blocks[i].specificity;
        agree[i] = r->blocks[i].agreement;
        high[i] = 100 * r->blocks[i].sat_high;
        low[i] = 100 * r->blocks[i].sat_low;
        if (isfinite(spec[i]) && spec[i] > smax)
            smax = spec[i];
        tmax = isfinite(high[i]) && high[i] > tmax ? high[i] : tmax;
        tmax = isfinite(low[i]) && low[i] > tmax ? low[i] : tmax;
    }
    smax = smax > 1 ? smax * 1.1 : 1.05; /* the agreement, a correlation, shares the panel */
    /* the shares' own range (at least 0-1%), so that a few saturated gates show */
    tmax = tmax * 1.15 > 1 ? (tmax * 1.15 < 100 ? tmax * 1.15 : 100) : 1;
    char title[256];
    snprintf(title, sizeof title, "Excitation across depth: %s", r->title);
    svg_begin(out, width, height, title);
    svg_subtitle(out, width, "specificity: class means' spread over the within-class spread; agreement: class means' "
                             "correlation with all images'");
    /* xstep beyond the range: no numeric ticks, the block names instead */
    svg_panel sp = {80, 92, 420, 300, 0.5, n + 0.5, 0, smax, n + 10.0, svg_nice_step(smax, 5), "specificity",
                    NULL, NULL, 0, 0};
    svg_panel tp = {610, 92, 420, 300, 0.5, n + 0.5, 0, tmax, n + 10.0, svg_nice_step(tmax, 5), "saturation",
                    NULL, NULL, 0, 0};
    static const svg_style between[2] = {{"specificity-series", "class-specificity", "#1f77b4", NULL, 2, 1},
                                         {"agreement-series", "class agreement (r)", "#2ca02c", "5 3", 2, 1}};
    static const svg_style saturation[2] = {{"saturation-high", "gate > 0.99", "#d62728", NULL, 2, 1},
                                            {"saturation-low", "gate < 0.01", "#7f7f7f", "5 3", 2, 1}};
    depth_panel(out, &sp, r, "Between classes", "", "", x, spec, agree, between, 1);
    depth_panel(out, &tp, r, "Saturation", "share of gate values", "%", x, high, low, saturation, 0);
    fprintf(out, "</svg>\n");
    free(x);
    free(agree);
    free(spec);
    free(high);
    free(low);
    return 0;
}
