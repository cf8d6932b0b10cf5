/* senet plot's drawing (see plot.h): two panels side by side, loss and
 * accuracy against epoch, as a self-contained SVG whose elements carry ids
 * (the series, legends, axes) for tests and for styling. */
#include "plot.h"
#include "svg_draw.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>



/* One per-epoch series: a line through the epochs that have the value (a
 * log evaluating every few epochs leaves gaps, which the line bridges), with
 * markers when there are few points. */
static void epoch_series(FILE *out, svg_panel *p, const metrics *m, size_t offset, const svg_style *s, double scale)
{
    fprintf(out, "<g id=\"%s\" clip-path=\"url(#%s-clip)\">\n", s->id, p->id);
    fprintf(out, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\" stroke-linejoin=\"round\"%s%s%s points=\"",
            s->color, s->width, s->dash ? " stroke-dasharray=\"" : "", s->dash ? s->dash : "", s->dash ? "\"" : "");
    size_t points = 0;
    double X0 = 0, Y0 = 0;
    for (size_t i = 0; i < m->num_epochs; i++) {
        double v = *(const double *)((const char *)&m->epochs[i] + offset) * scale;
        if (!isnan(v)) {
            double X = svg_px(p, m->epochs[i].epoch), Y = svg_py(p, v);
            fprintf(out, "%s%.1f,%.1f", points ? " " : "", X, Y);
            svg_obstacle_line(p, points ? X0 : X, points ? Y0 : Y, X, Y);
            X0 = X, Y0 = Y;
            points++;
        }
    }
    fprintf(out, "\"/>\n");
    if (points <= 60)
        for (size_t i = 0; i < m->num_epochs; i++) {
            double v = *(const double *)((const char *)&m->epochs[i] + offset) * scale;
            if (!isnan(v))
                fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\" stroke=\"white\" stroke-width=\"0.8\"/>\n",
                        svg_px(p, m->epochs[i].epoch), svg_py(p, v), s->markers ? 2.6 : 2.0, s->color);
        }
    fprintf(out, "</g>\n");
}

/* The per-step loss: the spread within each pixel-wide bucket as a light
 * band (or the raw line when the steps are few) and an exponential moving
 * average over 1/50 of the run (at least 10 points, or 1/10 of a short run), bias-corrected as TensorBoard's. */
static void step_series(FILE *out, svg_panel *p, const metrics *m)
{
    size_t n = m->num_steps;
    if (!n)
        return;
    size_t buckets = n < 600 ? n : 600;
    double *lo = malloc(buckets * sizeof *lo), *hi = malloc(buckets * sizeof *hi), *xs = malloc(buckets * sizeof *xs),
           *ema = malloc(buckets * sizeof *ema);
    if (!lo || !hi || !xs || !ema)
        goto done;
    double window = n / 50.0 > (n / 10.0 < 10 ? n / 10.0 : 10) ? n / 50.0 : (n / 10.0 < 10 ? n / 10.0 : 10);
    window = window < 1 ? 1 : window;
    double alpha = 2 / (window + 1), avg = 0, weight = 0;
    for (size_t b = 0, i = 0; b < buckets; b++) {
        size_t end = (b + 1) * n / buckets;
        lo[b] = INFINITY;
        hi[b] = -INFINITY;
        for (; i < end; i++) {
            double v = m->steps[i].loss;
            lo[b] = v < lo[b] ? v : lo[b];
            hi[b] = v > hi[b] ? v : hi[b];
            avg = (1 - alpha) * avg + alpha * v;
            weight = (1 - alpha) * weight + alpha;
        }
        xs[b] = m->steps[end - 1].epoch;
        ema[b] = avg / weight;
    }
    fprintf(out, "<g id=\"step-loss\" clip-path=\"url(#%s-clip)\">\n", p->id);
    if (buckets < n) {
        fprintf(out, "<polygon fill=\"#9aa0a6\" fill-opacity=\"0.35\" stroke=\"none\" points=\"");
        for (size_t b = 0; b < buckets; b++)
            fprintf(out, "%.1f,%.1f ", svg_px(p, xs[b]), svg_py(p, hi[b]));
        for (size_t b = buckets; b-- > 0;)
            fprintf(out, "%.1f,%.1f ", svg_px(p, xs[b]), svg_py(p, lo[b]));
        fprintf(out, "\"/>\n");
    } else {
        fprintf(out, "<polyline fill=\"none\" stroke=\"#9aa0a6\" stroke-opacity=\"0.6\" stroke-width=\"0.8\" points=\"");
        for (size_t b = 0; b < buckets; b++)
            fprintf(out, "%.1f,%.1f ", svg_px(p, xs[b]), svg_py(p, lo[b]));
        fprintf(out, "\"/>\n");
    }
    fprintf(out, "<polyline id=\"step-loss-smoothed\" fill=\"none\" stroke=\"#5f6368\" stroke-width=\"1.4\" points=\"");
    for (size_t b = 0; b < buckets; b++) {
        fprintf(out, "%.1f,%.1f ", svg_px(p, xs[b]), svg_py(p, ema[b]));
        svg_obstacle_line(p, svg_px(p, xs[b ? b - 1 : 0]), svg_py(p, lo[b ? b - 1 : 0]), svg_px(p, xs[b]), svg_py(p, lo[b]));
        svg_obstacle_line(p, svg_px(p, xs[b ? b - 1 : 0]), svg_py(p, hi[b ? b - 1 : 0]), svg_px(p, xs[b]), svg_py(p, hi[b]));
    }
    fprintf(out, "\"/>\n</g>\n");
done:
    free(lo);
    free(hi);
    free(xs);
    free(ema);
}


/* The range [lo, hi] of the values at `offset` in the epoch records, times scale. */
static void epoch_range(const metrics *m, size_t offset, double scale, double *lo, double *hi)
{
    for (size_t i = 0; i < m->num_epochs; i++) {
        double v = *(const double *)((const char *)&m->epochs[i] + offset) * scale;
        if (!isnan(v)) {
            *lo = v < *lo ? v : *lo;
            *hi = v > *hi ? v : *hi;
        }
    }
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#define FIELD(f) offsetof(epoch_rec, f)

#define WIDTH 1060.0
#define HEIGHT 465.0

/* x: epochs from 0 (or earlier data) to the last record of any run. */
static void epoch_axis(const metrics *runs, int count, double *xmin, double *xmax, double *xstep)
{
    *xmin = 0, *xmax = 0;
    for (int r = 0; r < count; r++) {
        const metrics *m = &runs[r];
        for (size_t i = 0; i < m->num_steps; i++) {
            *xmin = m->steps[i].epoch < *xmin ? m->steps[i].epoch : *xmin;
            *xmax = m->steps[i].epoch > *xmax ? m->steps[i].epoch : *xmax;
        }
        for (size_t i = 0; i < m->num_epochs; i++) {
            *xmin = m->epochs[i].epoch < *xmin ? m->epochs[i].epoch : *xmin;
            *xmax = m->epochs[i].epoch > *xmax ? m->epochs[i].epoch : *xmax;
        }
    }
    if (*xmax <= *xmin)
        *xmax = *xmin + 1;
    *xstep = svg_nice_step(*xmax - *xmin, 8);
    *xmax = ceil(*xmax / *xstep - 1e-9) * *xstep;
    *xmin = floor(*xmin / *xstep + 1e-9) * *xstep;
}

/* The two panels side by side, their y ranges from the values' ranges:
 * loss from 0, unless the losses stay far from it (then the axis zooms in);
 * accuracy around its values, within 0-100%. */
static void make_panels(svg_panel *lp, svg_panel *ap, double xmin, double xmax, double xstep, int have_loss, double loss_lo,
                        double loss_hi, int have_acc, double acc_lo, double acc_hi)
{
    if (!have_loss)
        loss_lo = 0, loss_hi = 1;
    double lmin = 0, lmax = loss_hi > 0 ? loss_hi * 1.05 : 1, lstep = svg_nice_step(lmax, 6);
    if (loss_lo > 0.4 * loss_hi) {
        double span = loss_hi - loss_lo > 1e-6 ? loss_hi - loss_lo : 1e-6;
        lstep = svg_nice_step(span * 1.1, 6);
        lmin = floor((loss_lo - 0.05 * span) / lstep) * lstep;
        lmin = lmin < 0 ? 0 : lmin;
        lmax = loss_hi + 0.05 * span;
    }
    lmax = ceil(lmax / lstep - 1e-9) * lstep;
    if (lmax <= lmin)
        lmax = lmin + lstep;

    double amin = 0, amax = 100, astep = 10;
    if (have_acc) {
        double span = acc_hi - acc_lo > 1 ? acc_hi - acc_lo : 1;
        astep = svg_nice_step(span * 1.1, 6);
        amin = floor((acc_lo - 0.05 * span) / astep) * astep;
        amax = ceil((acc_hi + 0.05 * span) / astep) * astep;
        amin = amin < 0 ? 0 : amin;
        amax = amax > 100 && acc_hi <= 100 ? 100 : amax;
        if (amax <= amin)
            amax = amin + astep;
    }
    *lp = (svg_panel){80, 92, 420, 310, xmin, xmax, lmin, lmax, xstep, lstep, "loss", NULL, NULL, 0, 0};
    *ap = (svg_panel){610, 92, 420, 310, xmin, xmax, amin, amax, xstep, astep, "accuracy", NULL, NULL, 0, 0};
}


/* The epoch records of the best and the last test top-1 (the first of
 * equals); -1 when no epoch was evaluated. */
static void evaluated_epochs(const metrics *m, long *best, long *last)
{
    *best = *last = -1;
    for (size_t i = 0; i < m->num_epochs; i++)
        if (!isnan(m->epochs[i].test_top1)) {
            *last = (long)i;
            if (*best < 0 || m->epochs[i].test_top1 > m->epochs[*best].test_top1)
                *best = (long)i;
        }
}

static void free_panels(svg_panel *lp, svg_panel *ap)
{
    free(lp->ox);
    free(lp->oy);
    free(ap->ox);
    free(ap->oy);
}


int plot_svg(FILE *out, const metrics *m, const char *title)
{
    /* Accuracies are in percent, as senet train writes them. */
    double acc_lo = INFINITY, acc_hi = -INFINITY;
    epoch_range(m, FIELD(train_top1), 1, &acc_lo, &acc_hi);
    epoch_range(m, FIELD(test_top1), 1, &acc_lo, &acc_hi);
    epoch_range(m, FIELD(test_top5), 1, &acc_lo, &acc_hi);
    int have_acc = acc_hi >= acc_lo;

    double xmin, xmax, xstep;
    epoch_axis(m, 1, &xmin, &xmax, &xstep);

    /* Loss: from 0 to the largest per-epoch or smoothed loss, or the 98th
     * percentile of the step losses, so that a few early spikes do not
     * flatten the rest (the band is clipped). */
    double loss_lo = INFINITY, loss_hi = -INFINITY;
    epoch_range(m, FIELD(train_loss), 1, &loss_lo, &loss_hi);
    epoch_range(m, FIELD(test_loss), 1, &loss_lo, &loss_hi);
    if (m->num_steps) {
        double *sorted = malloc(m->num_steps * sizeof *sorted);
        if (!sorted)
            return -1;
        for (size_t i = 0; i < m->num_steps; i++)
            sorted[i] = m->steps[i].loss;
        qsort(sorted, m->num_steps, sizeof *sorted, compare_double);
        double q = sorted[(size_t)(0.98 * (m->num_steps - 1))];
        loss_hi = q > loss_hi ? q : loss_hi;
        q = sorted[(size_t)(0.02 * (m->num_steps - 1))];
        loss_lo = q < loss_lo ? q : loss_lo;
        free(sorted);
    }
    int have_loss = loss_hi >= loss_lo;
    svg_panel lp, ap;
    make_panels(&lp, &ap, xmin, xmax, xstep, have_loss, loss_lo, loss_hi, have_acc, acc_lo, acc_hi);
    svg_begin(out, WIDTH, HEIGHT, title);

    /* The subtitle: what a reader looks for first. */
    char summary[256] = "";
    size_t len = 0;
    double last_epoch = m->num_epochs ? m->epochs[m->num_epochs - 1].epoch : xmax;
    if (m->num_epochs)
        len += (size_t)snprintf(summary + len, sizeof summary - len, "%g epochs", last_epoch);
    else if (m->num_steps)
        len += (size_t)snprintf(summary + len, sizeof summary - len, "%.2f epochs, %zu steps logged",
                                m->steps[m->num_steps - 1].epoch, m->num_steps);
    long best, last;
    evaluated_epochs(m, &best, &last);
    if (last >= 0)
        len += (size_t)snprintf(summary + len, sizeof summary - len,
                                "  \xc2\xb7  final test top-1 %.2f%%  \xc2\xb7  best %.2f%% (epoch %g)",
                                m->epochs[last].test_top1, m->epochs[best].test_top1,
                                m->epochs[best].epoch);
    if (last >= 0 && !isnan(m->epochs[last].test_loss) && len < sizeof summary)
        snprintf(summary + len, sizeof summary - len, "  \xc2\xb7  final test loss %.4f", m->epochs[last].test_loss);
    svg_subtitle(out, WIDTH, summary);

    /* Loss panel. */
    static const svg_style s_step = {"step-loss", "train loss per step (smoothed)", "#5f6368", NULL, 1.4, 0};
    static const svg_style s_train_loss = {"train-loss", "train loss (epoch)", "#1f77b4", NULL, 2.0, 1};
    static const svg_style s_test_loss = {"test-loss", "test loss", "#e8710a", NULL, 2.0, 1};
    static const svg_style s_train_top1 = {"train-top1", "train top-1", "#1f77b4", NULL, 2.0, 1};
    static const svg_style s_test_top1 = {"test-top1", "test top-1", "#e8710a", NULL, 2.0, 1};
    static const svg_style s_test_top5 = {"test-top5", "test top-5", "#e8710a", "6 4", 1.5, 0};

    svg_axes(out, &lp, "epoch", "cross-entropy loss", "Loss", "");
    if (!have_loss)
        svg_no_data(out, &lp, "no loss in the log");
    step_series(out, &lp, m);
    svg_style litems[3];
    int nl = 0;
    if (m->num_steps)
        litems[nl++] = s_step;
    double lo = INFINITY, hi = -INFINITY;
    epoch_range(m, FIELD(train_loss), 1, &lo, &hi);
    if (hi >= lo) {
        epoch_series(out, &lp, m, FIELD(train_loss), &s_train_loss, 1);
        litems[nl++] = s_train_loss;
    }
    lo = INFINITY, hi = -INFINITY;
    epoch_range(m, FIELD(test_loss), 1, &lo, &hi);
    if (hi >= lo) {
        epoch_series(out, &lp, m, FIELD(test_loss), &s_test_loss, 1);
        litems[nl++] = s_test_loss;
    }
    if (nl)
        svg_legend(out, &lp, litems, nl, 0);

    /* Accuracy panel. */
    svg_axes(out, &ap, "epoch", "accuracy", "Accuracy", "%");
    svg_style aitems[3];
    int na = 0;
    struct {
        size_t offset;
        const svg_style *s;
    } acc[3] = {{FIELD(train_top1), &s_train_top1}, {FIELD(test_top5), &s_test_top5}, {FIELD(test_top1), &s_test_top1}};
    for (int i = 0; i < 3; i++) {
        lo = INFINITY, hi = -INFINITY;
        epoch_range(m, acc[i].offset, 1, &lo, &hi);
        if (hi >= lo) {
            epoch_series(out, &ap, m, acc[i].offset, acc[i].s, 1);
            aitems[na++] = *acc[i].s;
        }
    }
    if (best >= 0) { /* ring and label the best test top-1, below the point (train top-1 is usually above) */
        double X = svg_px(&ap, m->epochs[best].epoch), Y = svg_py(&ap, m->epochs[best].test_top1);
        double TX = X > ap.left + ap.width - 60 ? X - 6 : X + 6, TY = Y < ap.top + ap.height - 30 ? Y + 19 : Y - 9;
        double TX0 = X > ap.left + ap.width - 60 ? TX - 48 : TX;
        svg_obstacle_line(&ap, X - 6, Y - 6, X + 6, Y + 6);
        svg_obstacle_line(&ap, TX0, TY - 10, TX0 + 48, TY);
        svg_obstacle_line(&ap, TX0, TY, TX0 + 48, TY - 10);
        fprintf(out,
                "<g id=\"best-test-top1\"><circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"none\" stroke=\"#b3261e\" "
                "stroke-width=\"1.5\"/>\n<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"12\" "
                "fill=\"#b3261e\">%.2f%%</text></g>\n",
                X, Y, TX, TY,
                X > ap.left + ap.width - 60 ? "end" : "start", m->epochs[best].test_top1);
    }
    if (na)
        svg_legend(out, &ap, aitems, na, 1);
    else
        svg_no_data(out, &ap, "no accuracy in the log yet");
    fprintf(out, "</svg>\n");
    free_panels(&lp, &ap);
    return 0;
}

/* Colours of the runs compared, in order (matplotlib's tab10, less grey). */
static const char *const run_colours[PLOT_MAX_RUNS] = {"#1f77b4", "#e8710a", "#2ca02c", "#d62728",
                                                       "#9467bd", "#8c564b", "#e377c2", "#17becf"};

int plot_compare_svg(FILE *out, const metrics *runs, const char *const *labels, int count, const char *title)
{
    if (count < 1 || count > PLOT_MAX_RUNS)
        return -1;
    double loss_lo = INFINITY, loss_hi = -INFINITY, acc_lo = INFINITY, acc_hi = -INFINITY;
    for (int r = 0; r < count; r++) {
        epoch_range(&runs[r], FIELD(train_loss), 1, &loss_lo, &loss_hi);
        epoch_range(&runs[r], FIELD(test_loss), 1, &loss_lo, &loss_hi);
        epoch_range(&runs[r], FIELD(train_top1), 1, &acc_lo, &acc_hi);
        epoch_range(&runs[r], FIELD(test_top1), 1, &acc_lo, &acc_hi);
    }
    int have_loss = loss_hi >= loss_lo, have_acc = acc_hi >= acc_lo;
    double xmin, xmax, xstep;
    epoch_axis(runs, count, &xmin, &xmax, &xstep);
    svg_panel lp, ap;
    make_panels(&lp, &ap, xmin, xmax, xstep, have_loss, loss_lo, loss_hi, have_acc, acc_lo, acc_hi);
    svg_begin(out, WIDTH, HEIGHT, title);

    /* The subtitle: each run's final test top-1 (and best, when it differs). */
    char summary[512] = "final test top-1:";
    size_t len = strlen(summary);
    for (int r = 0; r < count && len < sizeof summary; r++) {
        const metrics *m = &runs[r];
        long best, last;
        evaluated_epochs(m, &best, &last);
        const char *sep = r ? "  \xc2\xb7  " : "  ";
        if (last < 0)
            len += (size_t)snprintf(summary + len, sizeof summary - len, "%s%s -", sep, labels[r]);
        else if (m->epochs[best].test_top1 > m->epochs[last].test_top1)
            len += (size_t)snprintf(summary + len, sizeof summary - len, "%s%s %.2f%% (best %.2f%%)", sep, labels[r],
                                    m->epochs[last].test_top1, m->epochs[best].test_top1);
        else
            len += (size_t)snprintf(summary + len, sizeof summary - len, "%s%s %.2f%%", sep, labels[r],
                                    m->epochs[last].test_top1);
    }
    svg_subtitle(out, WIDTH, summary);

    /* Per run: test solid with markers, train dashed; one colour a run. */
    char ids[PLOT_MAX_RUNS][4][32];
    svg_style items[PLOT_MAX_RUNS + 2];
    for (int r = 0; r < count; r++)
        items[r] = (svg_style){"run", labels[r], run_colours[r], NULL, 2.0, 0};
    items[count] = (svg_style){"key-test", "test (solid)", "#5f6368", NULL, 2.0, 1};
    items[count + 1] = (svg_style){"key-train", "train (dashed)", "#5f6368", "5 3", 1.5, 0};
    struct {
        svg_panel *p;
        size_t test, train;
        const char *what, *xlabel, *ylabel, *title, *unit, *none;
        int have, legend_bottom;
    } panels[2] = {
        {&lp, FIELD(test_loss), FIELD(train_loss), "loss", "epoch", "cross-entropy loss", "Loss", "", "no loss in the logs",
         have_loss, 0},
        {&ap, FIELD(test_top1), FIELD(train_top1), "top1", "epoch", "top-1 accuracy", "Accuracy", "%",
         "no accuracy in the logs", have_acc, 1},
    };
    for (int k = 0; k < 2; k++) {
        svg_axes(out, panels[k].p, panels[k].xlabel, panels[k].ylabel, panels[k].title, panels[k].unit);
        if (!panels[k].have) {
            svg_no_data(out, panels[k].p, panels[k].none);
            continue;
        }
        for (int r = 0; r < count; r++) {
            snprintf(ids[r][2 * k], sizeof ids[r][2 * k], "run%d-train-%s", r + 1, panels[k].what);
            snprintf(ids[r][2 * k + 1], sizeof ids[r][2 * k + 1], "run%d-test-%s", r + 1, panels[k].what);
            svg_style train = {ids[r][2 * k], labels[r], run_colours[r], "5 3", 1.5, 0};
            svg_style test = {ids[r][2 * k + 1], labels[r], run_colours[r], NULL, 2.0, 1};
            epoch_series(out, panels[k].p, &runs[r], panels[k].train, &train, 1);
            epoch_series(out, panels[k].p, &runs[r], panels[k].test, &test, 1);
        }
        svg_legend(out, panels[k].p, items, count + 2, panels[k].legend_bottom);
    }
    fprintf(out, "</svg>\n");
    free_panels(&lp, &ap);
    return 0;
}
