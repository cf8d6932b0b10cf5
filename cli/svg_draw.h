/* The SVG drawing that senet's pictures share (senet plot's curves, senet
 * excite's excitation figures): panels with axes, ticks and a clip path,
 * legends placed where they cover least, the document's start and title.
 * Every element drawn carries an id, for tests and for styling. */
#ifndef SENET_CLI_SVG_DRAW_H
#define SENET_CLI_SVG_DRAW_H

#include <stddef.h>
#include <stdio.h>

typedef struct svg_panel {
    double left, top, width, height;  /* the plot area in SVG units */
    double xmin, xmax, ymin, ymax;    /* data range */
    double xstep, ystep;              /* tick spacing */
    const char *id;
    double *ox, *oy;                  /* (on) points of what is drawn, for placing the legend */
    size_t on, ocap;
} svg_panel;

typedef struct svg_style {
    const char *id, *label, *color, *dash;
    double width;
    int markers;  /* 1: full-size point markers and one in the legend (0: small ones) */
} svg_style;

/* Records the segment (x0, y0)-(x1, y1), in SVG units, as points about 3
 * units apart, so that svg_legend can avoid what is drawn. */
void svg_obstacle_line(svg_panel *p, double x0, double y0, double x1, double y1);
/* Data coordinates to SVG units. */
double svg_px(const svg_panel *p, double x);
double svg_py(const svg_panel *p, double y);
/* A 1-2-5 step that divides range into about `target` intervals, and the decimals its ticks need. */
double svg_nice_step(double range, int target);
int svg_decimals(double step);
/* Text with &, <, >, " escaped and control characters dropped. */
void svg_escaped(FILE *out, const char *s);
/* The panel's ground, grid, ticks, frame, labels and title, and its clip path "<id>-clip". */
void svg_axes(FILE *out, const svg_panel *p, const char *xlabel, const char *ylabel, const char *title,
              const char *yunit);
/* A legend of `count` items in the corner of the panel that covers the fewest drawn points. */
void svg_legend(FILE *out, const svg_panel *p, const svg_style *items, int count, int bottom);
void svg_no_data(FILE *out, const svg_panel *p, const char *what);
/* The SVG element, white ground and the title centred at the top; the grey line under it. */
void svg_begin(FILE *out, double width, double height, const char *title);
void svg_subtitle(FILE *out, double width, const char *text);

#endif
