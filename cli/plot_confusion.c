/* senet plot --confusion EVAL.json: the confusion matrix of `senet eval
 * --json` as a picture. Rows are the true classes and columns the
 * predicted ones; each cell is shaded by its share of its row (the
 * recall, on the diagonal) and shows its count. */
#include "plot.h"
#include "svg_draw.h"

#include "base/status.h"
#include "io/json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The most classes drawn: beyond this the cells are too small to read. */
#define MAX_CLASSES 100

/* The text of PATH, NUL-terminated; NULL with the message printed. */
static char *read_text(const char *path, size_t *length)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "senet plot: %s: cannot open: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *text = malloc(cap);
    for (size_t got = 1; text && got;) {
        if (n + 1 >= cap) {
            char *more = cap < ((size_t)1 << 30) ? realloc(text, cap *= 2) : NULL;
            if (!more) {
                free(text);
                text = NULL;
                break;
            }
            text = more;
        }
        got = fread(text + n, 1, cap - n - 1, f);
        n += got;
    }
    fclose(f);
    if (!text)
        fprintf(stderr, "senet plot: %s: too large or out of memory\n", path);
    else
        text[n] = 0, *length = n;
    return text;
}

int plot_read_confusion(const char *path, confusion *c)
{
    memset(c, 0, sizeof *c);
    size_t length = 0;
    char *text = read_text(path, &length);
    if (!text)
        return -1;
    json_doc *doc = NULL;
    int status = json_parse(text, length, path, &doc);
    free(text);
    if (status) {
        fprintf(stderr, "senet plot: %s: not the JSON that 'senet eval --json' writes (%s)\n", path,
                senet_last_error());
        return -1;
    }
    const json_value *root = json_root(doc), *matrix = json_object_get(root, "confusion"),
                     *names = json_object_get(root, "per_class");
    int k = matrix && matrix->type == JSON_ARRAY ? (int)matrix->u.list.count : 0;
    const char *why = !matrix ? "no \"confusion\" matrix (write it with senet eval --json)"
                      : matrix->type != JSON_ARRAY || k < 1 ? "\"confusion\" is not a matrix"
                      : k > MAX_CLASSES ? "more than 100 classes"
                      : !names || names->type != JSON_OBJECT || (int)names->u.list.count != k
                          ? "\"per_class\" does not name every class"
                          : NULL;
    if (!why) {
        c->classes = k;
        c->counts = calloc((size_t)k * k, sizeof *c->counts);
        c->names = calloc((size_t)k, sizeof *c->names);
        if (!c->counts || !c->names)
            why = "out of memory";
    }
    for (int t = 0; t < k && !why; t++) {
        const json_value *row = &matrix->u.list.items[t];
        if (row->type != JSON_ARRAY || (int)row->u.list.count != k) {
            why = "a row of \"confusion\" does not have one count per class";
            break;
        }
        for (int p = 0; p < k && !why; p++) {
            const json_value *v = &row->u.list.items[p];
            if (v->type != JSON_INT || v->u.integer < 0)
                why = "a count of \"confusion\" is not a non-negative integer";
            else
                c->counts[(size_t)t * k + p] = v->u.integer;
        }
        c->names[t] = strdup(names->u.list.members[t].key);
        if (!c->names[t])
            why = "out of memory";
    }
    json_free(doc);
    if (why) {
        fprintf(stderr, "senet plot: %s: %s\n", path, why);
        plot_confusion_free(c);
        return -1;
    }
    return 0;
}

void plot_confusion_free(confusion *c)
{
    for (int i = 0; c->names && i < c->classes; i++)
        free(c->names[i]);
    free(c->names);
    free(c->counts);
    memset(c, 0, sizeof *c);
}

/* White to matplotlib's tab:blue by share (0..1). */
static void shade(double share, char *out, size_t size)
{
    static const int to[3] = {0x1f, 0x77, 0xb4};
    int rgb[3];
    for (int i = 0; i < 3; i++)
        rgb[i] = (int)(255 + (to[i] - 255) * share + 0.5);
    snprintf(out, size, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
}

int plot_confusion_svg(FILE *out, const void *ctx)
{
    const plot_confusion_job *j = ctx;
    const confusion *c = j->matrix;
    int k = c->classes;
    double cell = k <= 10 ? 52 : k <= 20 ? 34 : 800.0 / k, left = 170, top = 120;
    double width = left + k * cell + 60, height = top + k * cell + 150;
    int64_t total = 0, right = 0;
    for (int t = 0; t < k; t++)
        for (int p = 0; p < k; p++) {
            total += c->counts[(size_t)t * k + p];
            right += t == p ? c->counts[(size_t)t * k + p] : 0;
        }
    svg_begin(out, width, height, j->title);
    char line[128];
    snprintf(line, sizeof line, "%lld images, top-1 %.2f%%; rows: true class, columns: predicted; shade: share of the row",
             (long long)total, total ? 100.0 * right / total : 0.0);
    svg_subtitle(out, width, line);
    fprintf(out, "<g id=\"cells\" font-size=\"%.0f\" text-anchor=\"middle\">\n", cell >= 40 ? 12.0 : 9.0);
    for (int t = 0; t < k; t++) {
        int64_t row = 0;
        for (int p = 0; p < k; p++)
            row += c->counts[(size_t)t * k + p];
        for (int p = 0; p < k; p++) {
            int64_t n = c->counts[(size_t)t * k + p];
            double share = row ? (double)n / row : 0, x = left + p * cell, y = top + t * cell;
            char colour[16];
            shade(share, colour, sizeof colour);
            fprintf(out,
                    "<rect id=\"cell-%d-%d\" data-count=\"%lld\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                    "fill=\"%s\" stroke=\"#ddd\"/>\n",
                    t, p, (long long)n, x, y, cell, cell, colour);
            if (cell >= 30 && n)
                fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\">%lld</text>\n", x + cell / 2, y + cell / 2 + 4,
                        share > 0.5 ? "white" : "#222", (long long)n);
        }
    }
    fprintf(out, "</g>\n<g id=\"labels\" font-size=\"12\" fill=\"#333\">\n");
    for (int i = 0; i < k; i++) {
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", left - 8, top + i * cell + cell / 2 + 4);
        svg_escaped(out, c->names[i]);
        fprintf(out, "</text>\n<text transform=\"translate(%.1f %.1f) rotate(-45)\" text-anchor=\"end\">",
                left + i * cell + cell / 2 + 4, top + k * cell + 14);
        svg_escaped(out, c->names[i]);
        fprintf(out, "</text>\n");
    }
    fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"13\">predicted class</text>\n",
            left + k * cell / 2, height - 12);
    fprintf(out, "<text transform=\"translate(24 %.1f) rotate(-90)\" text-anchor=\"middle\" font-size=\"13\">true class"
                 "</text>\n</g>\n</svg>\n",
            top + k * cell / 2);
    return 0;
}
