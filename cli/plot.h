/* senet plot's parts: the metrics log of `senet train` read into per-step
 * and per-epoch records (plot_log.c), and drawn as a self-contained SVG of
 * two panels, loss and accuracy against epoch (plot_svg.c): one run in
 * detail, or several runs side by side. */
#ifndef SENET_CLI_PLOT_H
#define SENET_CLI_PLOT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A missing value is NAN. */
typedef struct step_rec {
    double epoch, step, loss;
} step_rec;

typedef struct epoch_rec {
    double epoch, train_loss, train_top1, test_loss, test_top1, test_top5;
} epoch_rec;

typedef struct metrics {
    step_rec *steps;
    size_t num_steps, cap_steps;
    epoch_rec *epochs;
    size_t num_epochs, cap_epochs;
} metrics;

/* Reads the log at PATH (JSON lines, plain or gzip) into M (zeroed by the
 * caller). Prints an error naming the file and returns -1 on failure. */
int plot_read_log(const char *path, metrics *m);
void plot_metrics_free(metrics *m);

/* The most runs plot_compare_svg draws (one colour each). */
#define PLOT_MAX_RUNS 8

/* One run: the per-step loss, the per-epoch losses and accuracies. */
int plot_svg(FILE *out, const metrics *m, const char *title);
/* COUNT runs, one colour each: test (solid) and train (dashed) per-epoch
 * loss and top-1. */
int plot_compare_svg(FILE *out, const metrics *runs, const char *const *labels, int count, const char *title);

/* The confusion matrix of `senet eval --json` (plot_confusion.c). */
typedef struct confusion {
    int classes;
    int64_t *counts; /* (classes, classes): [truth][prediction] */
    char **names;    /* (classes), from "per_class" in the file's order */
} confusion;
typedef struct plot_confusion_job {
    const confusion *matrix;
    const char *title;
} plot_confusion_job;
/* Reads EVAL.json; 0, or -1 with a message naming the file and the problem. */
int plot_read_confusion(const char *path, confusion *c);
void plot_confusion_free(confusion *c);
/* The matrix as a heat map (an svg_drawer: ctx is a plot_confusion_job). */
int plot_confusion_svg(FILE *out, const void *ctx);

#endif
