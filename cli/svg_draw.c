/* The SVG drawing shared by senet plot and senet excite (see svg_draw.h). */
#include "svg_draw.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


/* Records the segment (x0, y0)-(x1, y1), in SVG units, as points about 3
 * units apart. An allocation failure only costs the legend its placement. */
void svg_obstacle_line(svg_panel *p, double x0, double y0, double x1, double y1)
{
    double len = hypot(x1 - x0, y1 - y0);
    int n = len < 3 ? 1 : (int)(len / 3) + 1;
    if (p->on + (size_t)n + 1 > p->ocap) {
        size_t cap = (p->on + (size_t)n + 1) * 2;
        double *x = realloc(p->ox, cap * sizeof *x);
        if (x)
            p->ox = x;
        double *y = realloc(p->oy, cap * sizeof *y);
        if (y)
            p->oy = y;
        if (!x || !y)
            return;
        p->ocap = cap;
    }
    for (int i = 0; i <= n; i++) {
        p->ox[p->on] = x0 + (x1 - x0) * i / n;
        p->oy[p->on++] = y0 + (y1 - y0) * i / n;
    }
}

double svg_px(const svg_panel *p, double x)
{
    return p->left + (x - p->xmin) / (p->xmax - p->xmin) * p->width;
}

double svg_py(const svg_panel *p, double y)
{
    return p->top + p->height - (y - p->ymin) / (p->ymax - p->ymin) * p->height;
}

/* A 1-2-5 step that divides range into about `target` intervals. */
double svg_nice_step(double range, int target)
{
    if (!(range > 0))
        return 1;
    double raw = range / target, mag = pow(10, floor(log10(raw))), f = raw / mag;
    return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
}

int svg_decimals(double step)
{
    int d = (int)-floor(log10(step) + 1e-9);
    return d < 0 ? 0 : d > 6 ? 6 : d;
}

void svg_escaped(FILE *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        default:
            if ((unsigned char)*s >= 0x20 || *s == '\t')
                fputc(*s, out);
        }
    }
}

static const char font[] = "DejaVu Sans, Helvetica, Arial, sans-serif";

void svg_axes(FILE *out, const svg_panel *p, const char *xlabel, const char *ylabel, const char *title,
                 const char *yunit)
{
    fprintf(out, "<g id=\"%s-axes\" font-size=\"12\" fill=\"#333\">\n", p->id);
    fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#fafafa\" stroke=\"none\"/>\n",
            p->left, p->top, p->width, p->height);
    int xd = svg_decimals(p->xstep), yd = svg_decimals(p->ystep);
    for (double x = ceil(p->xmin / p->xstep - 1e-9) * p->xstep; x <= p->xmax + 1e-9 * p->xstep; x += p->xstep) {
        double X = svg_px(p, x);
        fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e3e3e3\"/>\n", X, p->top, X,
                p->top + p->height);
        fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n", X,
                p->top + p->height, X, p->top + p->height + 5);
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.*f</text>\n", X, p->top + p->height + 19,
                xd, fabs(x) < 1e-12 ? 0.0 : x);
    }
    for (double y = ceil(p->ymin / p->ystep - 1e-9) * p->ystep; y <= p->ymax + 1e-9 * p->ystep; y += p->ystep) {
        double Y = svg_py(p, y);
        fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e3e3e3\"/>\n", p->left, Y,
                p->left + p->width, Y);
        fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n", p->left - 5, Y,
                p->left, Y);
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%.*f%s</text>\n", p->left - 8, Y + 4, yd,
                fabs(y) < 1e-12 ? 0.0 : y, yunit);
    }
    fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#333\"/>\n",
            p->left, p->top, p->width, p->height);
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"13\">%s</text>\n",
            p->left + p->width / 2, p->top + p->height + 38, xlabel);
    fprintf(out,
            "<text transform=\"translate(%.1f %.1f) rotate(-90)\" text-anchor=\"middle\" font-size=\"13\">%s</text>\n",
            p->left - 50, p->top + p->height / 2, ylabel);
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">%s</text>\n",
            p->left + p->width / 2, p->top - 10, title);
    fprintf(out, "</g>\n");
    fprintf(out, "<clipPath id=\"%s-clip\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/></clipPath>\n",
            p->id, p->left, p->top, p->width, p->height);
}


/* A legend box inside the panel, at the corner (or the middle of the top
 * or bottom edge) that covers the fewest drawn points; ties go to the
 * earlier place in the order: top right first, or bottom right first when
 * bottom is set (accuracy rises, so its bottom right is usually empty). */
void svg_legend(FILE *out, const svg_panel *p, const svg_style *items, int count, int bottom)
{
    double w = 0, h = 8 + 18.0 * count;
    for (int i = 0; i < count; i++) {
        double tw = 36 + 6.6 * strlen(items[i].label);
        w = tw > w ? tw : w;
    }
    double xs[3] = {p->left + p->width - w - 10, p->left + 10, p->left + (p->width - w) / 2};
    double ys[2] = {p->top + 10, p->top + p->height - h - 10};
    double x = xs[0], y = ys[bottom ? 1 : 0];
    size_t fewest = (size_t)-1;
    for (int c = 0; c < 6; c++) {
        double cx = xs[c / 2], cy = ys[(c % 2) ^ (bottom ? 1 : 0)];
        size_t covered = 0;
        for (size_t i = 0; i < p->on; i++)
            covered += p->ox[i] > cx - 4 && p->ox[i] < cx + w + 4 && p->oy[i] > cy - 4 && p->oy[i] < cy + h + 4;
        if (covered < fewest) {
            fewest = covered;
            x = cx;
            y = cy;
        }
    }
    fprintf(out, "<g id=\"%s-legend\" font-size=\"12\" fill=\"#222\">\n", p->id);
    fprintf(out,
            "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"3\" fill=\"white\" fill-opacity=\"0.9\" "
            "stroke=\"#ccc\"/>\n",
            x, y, w, h);
    for (int i = 0; i < count; i++) {
        double ly = y + 15 + 18.0 * i;
        if (strcmp(items[i].id, "step-loss") == 0)
            fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"22\" height=\"8\" fill=\"#9aa0a6\" fill-opacity=\"0.35\"/>\n",
                    x + 8, ly - 8);
        fprintf(out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"%.1f\"%s%s%s/>\n",
                x + 8, ly - 4, x + 30, ly - 4, items[i].color, items[i].width, items[i].dash ? " stroke-dasharray=\"" : "",
                items[i].dash ? items[i].dash : "", items[i].dash ? "\"" : "");
        if (items[i].markers)
            fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.6\" fill=\"%s\"/>\n", x + 19, ly - 4, items[i].color);
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\">", x + 36, ly);
        svg_escaped(out, items[i].label);
        fprintf(out, "</text>\n");
    }
    fprintf(out, "</g>\n");
}

void svg_no_data(FILE *out, const svg_panel *p, const char *what)
{
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"13\" fill=\"#888\">%s</text>\n",
            p->left + p->width / 2, p->top + p->height / 2, what);
}

/* The document's start: the SVG element, white ground, the title. */
void svg_begin(FILE *out, double width, double height, const char *title)
{
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
            "font-family=\"%s\">\n",
            width, height, width, height, font);
    fprintf(out, "<title>");
    svg_escaped(out, title);
    fprintf(out, "</title>\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    fprintf(out, "<text x=\"%.1f\" y=\"30\" text-anchor=\"middle\" font-size=\"19\" font-weight=\"bold\" fill=\"#111\">",
            width / 2);
    svg_escaped(out, title);
    fprintf(out, "</text>\n");
}

/* The line under the title: what a reader looks for first. */
void svg_subtitle(FILE *out, double width, const char *text)
{
    fprintf(out, "<text x=\"%.1f\" y=\"54\" text-anchor=\"middle\" font-size=\"13\" fill=\"#555\">", width / 2);
    svg_escaped(out, text);
    fprintf(out, "</text>\n");
}
