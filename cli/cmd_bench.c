/* senet bench: how fast a net runs on this machine. Builds the net with
 * random weights (senet_net_init) and a random batch, runs warm-up passes,
 * then times R passes of senet_net_forward (or, with --train, of
 * senet_net_forward_backward + senet_sgd_step on random labels) and prints
 * the median and minimum time per batch, images per second, GFLOP/s, the
 * fraction of the machine's fp32 peak and the peak resident memory; with
 * --profile, where the time of the timed passes went (bench_profile.c). */
#include "args.h"
#include "bench_profile.h"
#include "commands.h"
#include "fma_peak.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* Passes that take longer than this in total report progress on stderr. */
#define BENCH_PROGRESS_SECONDS 10.0

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}


/* splitmix64: the benchmark's input and labels only need to be arbitrary and reproducible. */
static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double peak_rss_mb(void)
{
    struct rusage u;
    if (getrusage(RUSAGE_SELF, &u))
        return 0;
    return u.ru_maxrss / 1024.0; /* Linux reports kilobytes */
}

/* One timed pass: a forward, or a training step. */
static int run_pass(senet_net *net, const float *input, const int64_t *labels, int n, int h, int w, int train,
                    float *logits, const senet_sgd_options *sgd)
{
    if (!train)
        return senet_net_forward(net, input, n, h, w, logits);
    float loss;
    int status = senet_net_forward_backward(net, input, labels, n, h, w, 0.0f, &loss);
    return status ? status : senet_sgd_step(net, sgd);
}

int cmd_bench(int argc, char **argv)
{
    net_options net = {0};
    input_size size = {0, 0};
    long batch = 1, threads = 0, runs = 10, warmup = 2, seed = 0;
    double peak_per_core = 0; /* 0: measured (fma_peak.c) */
    int train = 0, json = 0, profile = 0;
    option_spec specs[] = {
        NET_OPTION_SPECS(&net),
        {"batch", OPT_INT, &batch, "images per batch (1)", "N", OPT_RANGE(1, 65536)},
        {"threads", OPT_INT, &threads, "threads (default: all cores)", "T", OPT_THREADS},
        {"input-size", OPT_SIZE, &size, "input size S or HxW (default: 224 ImageNet, 32 CIFAR)", "S"},
        {"train", OPT_FLAG, &train, "time training steps (forward, backward, SGD) instead of inference", NULL},
        {"runs", OPT_INT, &runs, "timed passes (10)", "R", OPT_RANGE(1, 1000000)},
        {"warmup", OPT_INT, &warmup, "untimed passes first (2)", "W", OPT_RANGE(0, 1000000)},
        {"seed", OPT_INT, &seed, "seed of the weights, input and labels (0)", "SEED", OPT_SEED},
        {"peak", OPT_FLOAT, &peak_per_core, "fp32 peak GFLOP/s of one core (default: measured, an FMA loop)", "G",
         OPT_ABOVE(0, 1e6)},
        {"profile", OPT_FLAG, &profile, "also time each layer of the timed passes (by kind and slowest)", NULL},
        {"json", OPT_FLAG, &json, "print one JSON object", NULL},
    };
    int rc = parse_options("bench", "--arch A [--batch N] [--threads T] [--train] [--runs R] [options]", specs,
                           sizeof specs / sizeof *specs, argc, argv, 2);
    if (rc)
        return rc > 0 ? 0 : 2;
    senet_config cfg;
    if (net_config_from_options(&net, &cfg))
        return 2;
    int h = size.h ? size.h : senet_arch_input_size(cfg.arch), w = size.h ? size.w : h;
    if (apply_threads("bench", threads))
        return 2;
    int nthreads = senet_get_threads();
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores < 1)
        cores = 1;
    /* The peak of a run: one core's times the threads, capped at the cores online. */
    int peak_given = peak_per_core > 0;
    if (!peak_given)
        peak_per_core = fma_peak_gflops_per_core();
    double peak = peak_per_core * (nthreads < cores ? nthreads : cores);

    senet_net *model = open_net("bench", &cfg, NULL);
    if (!model)
        return 1;
    uint64_t macs = 0;
    int status = senet_net_describe(model, h, w, &macs, NULL, NULL);
    if (!status)
        status = senet_net_init(model, (uint64_t)seed);
    if (!status && !train)
        status = senet_net_freeze(model); /* as an inference-only program would run it */
    if (status) {
        cli_error("bench", "", status);
        senet_net_free(model);
        return 1;
    }

    size_t n = (size_t)batch, pixels = (size_t)3 * h * w;
    float *input = malloc(n * pixels * sizeof(float));              /* (N, 3, H, W) */
    float *logits = malloc(n * (size_t)cfg.num_classes * sizeof(float)); /* (N, K) */
    int64_t *labels = malloc(n * sizeof(int64_t));                  /* (N) */
    double *times = malloc((size_t)runs * sizeof(double));          /* ms per pass, in run order */
    double *sorted = malloc((size_t)runs * sizeof(double));
    if (!input || !logits || !labels || !times || !sorted) {
        status = SENET_ERR_NOMEM;
        cli_error("bench", "out of memory for the batch", status);
        goto done;
    }
    uint64_t rng = (uint64_t)seed ^ 0x5E7E7B3Cull;
    for (size_t i = 0; i < n * pixels; i++)
        input[i] = (float)((next_random(&rng) >> 40) * 0x1p-24 * 2.0 - 1.0); /* U(-1, 1) */
    for (size_t i = 0; i < n; i++)
        labels[i] = (int64_t)(next_random(&rng) % (uint64_t)cfg.num_classes);
    /* Small steps keep random-label training finite over any number of runs. */
    senet_sgd_options sgd = {.lr = 1e-3f, .momentum = 0.9f, .weight_decay = 1e-4f, .nesterov = 0};

    int progress = 0;
    double started = now_ms();
    for (long k = 0; k < warmup + runs && !status; k++) {
        if (profile && k == warmup)
            status = senet_net_set_profiling(model, 1);
        double t0 = now_ms();
        if (!status)
            status = run_pass(model, input, labels, (int)batch, h, w, train, logits, &sgd);
        double t1 = now_ms();
        if (k >= warmup)
            times[k - warmup] = t1 - t0;
        if (!progress && (t1 - started) / (k + 1) * (warmup + runs) > BENCH_PROGRESS_SECONDS * 1e3)
            progress = 1;
        if (progress)
            fprintf(stderr, "senet bench: %s %ld/%ld: %.1f ms\n", k < warmup ? "warm-up" : "run",
                    k < warmup ? k + 1 : k - warmup + 1, k < warmup ? warmup : runs, t1 - t0);
    }
    if (status) {
        cli_error("bench", train ? "training step failed" : "forward failed", status);
        goto done;
    }

    memcpy(sorted, times, (size_t)runs * sizeof *times);
    qsort(sorted, (size_t)runs, sizeof *sorted, compare_double);
    double median = runs % 2 ? sorted[runs / 2] : 0.5 * (sorted[runs / 2 - 1] + sorted[runs / 2]);
    double best = sorted[0], mean = 0;
    for (long k = 0; k < runs; k++)
        mean += times[k] / runs;
    /* FLOPs = 2 per multiply-add; a training step is about three forwards
     * (forward, gradient of the input, gradient of the weights). */
    double flops = 2.0 * (double)macs * (double)batch * (train ? 3.0 : 1.0);
    double img_per_s = batch / (median * 1e-3);
    double gflops = flops / (median * 1e-3) / 1e9;
    double rss = peak_rss_mb();
    if (json) {
        printf("{\"arch\": \"%s\", \"batch\": %ld, \"threads\": %d, \"input_size\": [%d, %d], \"train\": %s, "
               "\"runs\": %ld, \"warmup\": %ld, \"macs_per_image\": %llu, \"ms_median\": %.4f, \"ms_min\": %.4f, "
               "\"img_per_s\": %.4f, \"gflops\": %.3f, \"peak_gflops\": %.1f, \"peak_fraction\": %.4f, "
               "\"peak_rss_mb\": %.1f, \"ms_runs\": [",
               cfg.arch, batch, nthreads, h, w, train ? "true" : "false", runs, warmup, (unsigned long long)macs,
               median, best, img_per_s, gflops, peak, gflops / peak, rss);
        for (long k = 0; k < runs; k++)
            printf("%s%.4f", k ? ", " : "", times[k]);
        printf("]");
        if (profile)
            status = print_bench_profile(model, runs, batch, mean, peak, 1);
        printf("}\n");
    } else {
        printf("%s %dx%d, batch %ld, %d thread%s, %s: %ld run%s after %ld warm-up\n", cfg.arch, h, w, batch,
               nthreads, nthreads == 1 ? "" : "s",
               train ? "training (forward, backward, SGD step)" : "inference (eval mode)", runs, runs == 1 ? "" : "s",
               warmup);
        printf("  time per batch   median %.2f ms, min %.2f ms\n", median, best);
        printf("  throughput       %.2f img/s\n", img_per_s);
        printf("  compute          %.1f GFLOP/s = %.1f%% of peak (%.0f GFLOP/s%s; %.3f G multiply-adds per image%s)\n",
               gflops, 100.0 * gflops / peak, peak, peak_given ? "" : ", measured", macs / 1e9,
               train ? ", x3 for training" : "");
        printf("  peak RSS         %.1f MB\n", rss);
        if (profile)
            status = print_bench_profile(model, runs, batch, mean, peak, 0);
    }
    if (status)
        cli_error("bench", "the profile", status);
done:
    free(sorted);
    free(times);
    free(labels);
    free(logits);
    free(input);
    senet_net_free(model);
    return status ? 1 : 0;
}
