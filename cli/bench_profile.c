/* senet bench --profile: the per-layer rows of senet_net_profile, summed
 * by what ran (the op: kind, kernel, method and what it fused) and the
 * slowest layers on their own. Times are per pass: the rows' totals over
 * the timed passes divided by their number, set against the mean pass
 * (whose rest is time outside the layers). */
#include "bench_profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOWEST_SHOWN 10

typedef struct op_total {
    const char *op;
    int layers;
    double forward_ms, backward_ms; /* per pass */
    double flops;                   /* per pass: 2 per multiply-add, x3 with a backward */
} op_total;

static double row_ms(const senet_layer_profile *r) { return r->forward_ms + r->backward_ms; }

static double row_flops(const senet_layer_profile *r, long batch)
{
    return 2.0 * (double)r->macs * (double)batch * (r->backward_calls ? 3.0 : 1.0);
}

typedef struct ranked_row {
    double ms;
    const senet_layer_profile *row;
} ranked_row;

static int slowest_first(const void *a, const void *b)
{
    double x = ((const ranked_row *)a)->ms, y = ((const ranked_row *)b)->ms;
    return (x < y) - (x > y);
}

static void print_json(const senet_layer_profile *rows, int count, long runs)
{
    printf(", \"profile\": [");
    for (int i = 0; i < count; i++) {
        const senet_layer_profile *r = &rows[i];
        printf("%s{\"name\": \"%s\", \"op\": \"%s\", \"stage\": %d, \"macs_per_image\": %llu, "
               "\"forward_ms\": %.4f, \"backward_ms\": %.4f}",
               i ? ", " : "", r->name, r->op, r->stage, (unsigned long long)r->macs, r->forward_ms / runs,
               r->backward_ms / runs);
    }
    printf("]");
}

/* The totals by op, slowest first; returns how many ops there are. */
static int total_by_op(op_total *ops, const senet_layer_profile *rows, int count, long runs, long batch)
{
    int n = 0;
    for (int i = 0; i < count; i++) {
        const senet_layer_profile *r = &rows[i];
        int k = 0;
        while (k < n && strcmp(ops[k].op, r->op))
            k++;
        if (k == n)
            ops[n++] = (op_total){r->op, 0, 0, 0, 0};
        ops[k].layers++;
        ops[k].forward_ms += r->forward_ms / runs;
        ops[k].backward_ms += r->backward_ms / runs;
        ops[k].flops += row_flops(r, batch);
    }
    /* slowest first, by the total; a stable insertion sort keeps layer order among equals */
    for (int i = 1; i < n; i++) {
        op_total t = ops[i];
        int j = i;
        for (; j > 0 && ops[j - 1].forward_ms + ops[j - 1].backward_ms < t.forward_ms + t.backward_ms; j--)
            ops[j] = ops[j - 1];
        ops[j] = t;
    }
    return n;
}

static void print_text(const senet_layer_profile *rows, int count, long runs, long batch, double mean_ms,
                       double peak_gflops, op_total *ops, ranked_row *ranked)
{
    int n = total_by_op(ops, rows, count, runs, batch);
    int backward = 0;
    double layers_ms = 0;
    for (int i = 0; i < count; i++) {
        backward |= rows[i].backward_calls > 0;
        layers_ms += row_ms(&rows[i]) / runs;
    }
    printf("  profile          ms per pass (mean of %ld), by what ran:\n", runs);
    printf("    %-32s %6s %9s %9s %7s %9s %7s\n", "op", "layers", "forward", backward ? "backward" : "", "share",
           "GFLOP/s", "% peak");
    for (int k = 0; k < n; k++) {
        double ms = ops[k].forward_ms + ops[k].backward_ms;
        char back[16] = "";
        if (backward)
            snprintf(back, sizeof back, "%.2f", ops[k].backward_ms);
        double gflops = ms > 0 ? ops[k].flops / (ms * 1e-3) / 1e9 : 0;
        if (ops[k].flops > 0)
            printf("    %-32s %6d %9.2f %9s %6.1f%% %9.1f %6.1f%%\n", ops[k].op, ops[k].layers, ops[k].forward_ms,
                   back, 100.0 * ms / mean_ms, gflops, 100.0 * gflops / peak_gflops);
        else
            printf("    %-32s %6d %9.2f %9s %6.1f%% %9s %7s\n", ops[k].op, ops[k].layers, ops[k].forward_ms, back,
                   100.0 * ms / mean_ms, "-", "-");
    }
    printf("    %-32s %6s %9.2f %9s %6.1f%%\n", backward ? "outside the layers (input, loss, SGD)" : "outside the layers",
           "", mean_ms - layers_ms, "", 100.0 * (mean_ms - layers_ms) / mean_ms);
    printf("    (GFLOP/s count the multiply-adds of a direct convolution; Winograd does fewer, and can pass 100%%)\n");
    for (int i = 0; i < count; i++)
        ranked[i] = (ranked_row){row_ms(&rows[i]) / runs, &rows[i]};
    qsort(ranked, (size_t)count, sizeof *ranked, slowest_first);
    int shown = count < SLOWEST_SHOWN ? count : SLOWEST_SHOWN;
    printf("  slowest layers   ms per pass:\n");
    for (int i = 0; i < shown; i++) {
        const senet_layer_profile *r = ranked[i].row;
        double gflops = ranked[i].ms > 0 ? row_flops(r, batch) / (ranked[i].ms * 1e-3) / 1e9 : 0;
        printf("    %-26s %-32s %8.2f %6.1f%%", r->name, r->op, ranked[i].ms, 100.0 * ranked[i].ms / mean_ms);
        if (r->macs)
            printf(" %7.1f GFLOP/s", gflops);
        printf("\n");
    }
}

int print_bench_profile(const senet_net *net, long runs, long batch, double mean_ms, double peak_gflops, int json)
{
    int count = 0;
    int status = senet_net_profile(net, NULL, 0, &count);
    senet_layer_profile *rows = status ? NULL : calloc((size_t)count + 1, sizeof *rows);
    op_total *ops = rows ? calloc((size_t)count + 1, sizeof *ops) : NULL;
    ranked_row *ranked = ops ? calloc((size_t)count + 1, sizeof *ranked) : NULL;
    if (!status && !ranked)
        status = SENET_ERR_NOMEM;
    if (!status)
        status = senet_net_profile(net, rows, count, &count);
    if (!status) {
        if (json)
            print_json(rows, count, runs);
        else
            print_text(rows, count, runs, batch, mean_ms, peak_gflops, ops, ranked);
    }
    free(ranked);
    free(ops);
    free(rows);
    return status;
}
