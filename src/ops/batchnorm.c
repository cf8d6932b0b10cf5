/* Batch norm. Channel sums over rows are accumulated in double, per thread,
 * then combined: the batch statistics of a 56x56x32 batch are sums of 10^5
 * terms, where float accumulation would drift from PyTorch's result. */
#include "batchnorm.h"

#include "../base/alloc.h"
#include "../base/threads.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* sums[c] = sum_r f(a[r,c], b[r,c]) for f = a (b NULL) or a*b; a, b: (rows, C).
 * Each thread sums a fixed block of rows; the blocks are added in thread
 * order, so a fixed thread count gives bit-identical results run to run. */
static void channel_sums(double *sums, const real *a, const real *b, const double *shift, size_t rows, int c)
{
    int threads = threads_get();
    if ((size_t)threads > rows)
        threads = rows ? (int)rows : 1;
    double *partial = calloc((size_t)threads * c, sizeof(double));
    double *local_fallback = partial ? NULL : sums;
    if (!partial)
        threads = 1; /* no scratch: one block straight into sums */
    memset(sums, 0, (size_t)c * sizeof(double));
#pragma omp parallel num_threads(threads)
    {
#ifdef _OPENMP
        int first = omp_get_thread_num(), team = omp_get_num_threads();
#else
        int first = 0, team = 1;
#endif
        /* The runtime may grant fewer threads than asked: blocks are fixed, threads stride over them. */
        for (int t = first; t < threads; t += team) {
            double *local = local_fallback ? local_fallback : partial + (size_t)t * c;
            size_t begin = rows * t / threads, end = rows * (t + 1) / threads;
            for (size_t r = begin; r < end; r++) {
                const real *ar = a + r * c;
                if (b) {
                    const real *br = b + r * c;
                    for (int j = 0; j < c; j++)
                        local[j] += (double)ar[j] * (shift ? (double)br[j] - shift[j] : (double)br[j]);
                } else if (shift) {
                    for (int j = 0; j < c; j++) {
                        double d = (double)ar[j] - shift[j];
                        local[j] += d * d;
                    }
                } else {
                    for (int j = 0; j < c; j++)
                        local[j] += ar[j];
                }
            }
        }
    }
    if (partial) {
        for (int t = 0; t < threads; t++)
            for (int j = 0; j < c; j++)
                sums[j] += partial[(size_t)t * c + j];
        free(partial);
    }
}

/* Sums v over the replicas when synced (see bn_sync); a no-op otherwise. */
static void sync_sum(bn_sync *sync, double *v, size_t n)
{
    if (sync && sync->status == 0)
        sync->status = sync->sum(sync->ctx, v, n);
}

void batchnorm_forward_train(real *y, real *mean, real *inv_std, const real *x, const real *gamma,
                             const real *beta, real *running_mean, real *running_var, size_t rows, int c,
                             bn_sync *sync)
{
    double sum[c + 1], sq[c]; /* sum[c]: the row count, summed over replicas with the sums */
    channel_sums(sum, x, NULL, NULL, rows, c);
    sum[c] = (double)rows;
    sync_sum(sync, sum, (size_t)c + 1);
    double count = sum[c];
    for (int j = 0; j < c; j++)
        sum[j] /= count;
    channel_sums(sq, x, NULL, sum, rows, c); /* sum of (x - mean)^2, two-pass for accuracy */
    sync_sum(sync, sq, (size_t)c);
    for (int j = 0; j < c; j++) {
        double var = sq[j] / count;
        mean[j] = (real)sum[j];
        inv_std[j] = (real)(1.0 / sqrt(var + BN_EPS));
        if (running_mean) {
            double unbiased = count > 1 ? sq[j] / (count - 1) : var;
            running_mean[j] = (real)((1 - BN_MOMENTUM) * running_mean[j] + BN_MOMENTUM * sum[j]);
            running_var[j] = (real)((1 - BN_MOMENTUM) * running_var[j] + BN_MOMENTUM * unbiased);
        }
    }
    real scale[c], shift[c];
    for (int j = 0; j < c; j++) {
        scale[j] = gamma[j] * inv_std[j];
        shift[j] = beta[j] - mean[j] * scale[j];
    }
#pragma omp parallel for num_threads(threads_get()) schedule(static)
    for (size_t r = 0; r < rows; r++)
        for (int j = 0; j < c; j++)
            y[r * c + j] = x[r * c + j] * scale[j] + shift[j];
}

void batchnorm_eval_affine(real *scale, real *shift, const real *gamma, const real *beta, const real *running_mean,
                           const real *running_var, int c)
{
    for (int j = 0; j < c; j++) {
        scale[j] = (real)(gamma[j] / sqrt((double)running_var[j] + BN_EPS));
        shift[j] = beta[j] - running_mean[j] * scale[j];
    }
}

void batchnorm_forward_eval(real *y, const real *x, const real *gamma, const real *beta,
                            const real *running_mean, const real *running_var, size_t rows, int c)
{
    real scale[c], shift[c];
    batchnorm_eval_affine(scale, shift, gamma, beta, running_mean, running_var, c);
#pragma omp parallel for num_threads(threads_get()) schedule(static)
    for (size_t r = 0; r < rows; r++)
        for (int j = 0; j < c; j++)
            y[r * c + j] = x[r * c + j] * scale[j] + shift[j];
}

void batchnorm_backward(real *d_x, real *d_gamma, real *d_beta, const real *d_y, const real *x,
                        const real *mean, const real *inv_std, const real *gamma, size_t rows, int c,
                        bn_sync *sync)
{
    double sums[2 * c + 1], mean_d[c]; /* sum dy, sum dy * (x - mean), row count: one message when synced */
    double *sum_dy = sums, *sum_dy_xc = sums + c;
    for (int j = 0; j < c; j++)
        mean_d[j] = mean[j];
    channel_sums(sum_dy, d_y, NULL, NULL, rows, c);
    channel_sums(sum_dy_xc, d_y, x, mean_d, rows, c); /* sum dy * (x - mean) */
    for (int j = 0; j < c; j++) { /* this replica's share: the gradient all-reduce adds the others' */
        d_gamma[j] += (real)(sum_dy_xc[j] * inv_std[j]);
        d_beta[j] += (real)sum_dy[j];
    }
    sums[2 * c] = (double)rows;
    sync_sum(sync, sums, 2 * (size_t)c + 1);
    double count = sums[2 * c];
    real k1[c], k2[c], k3[c];
    for (int j = 0; j < c; j++) {
        /* dx = gamma*inv_std * (dy - mean(dy) - (x-mean) * inv_std^2 * mean(dy*(x-mean))) */
        double is = inv_std[j];
        k1[j] = (real)(gamma[j] * is);
        k2[j] = (real)(sum_dy[j] / count);
        k3[j] = (real)(is * is * sum_dy_xc[j] / count);
    }
    if (!d_x)
        return;
#pragma omp parallel for num_threads(threads_get()) schedule(static)
    for (size_t r = 0; r < rows; r++)
        for (int j = 0; j < c; j++)
            d_x[r * c + j] += k1[j] * (d_y[r * c + j] - k2[j] - (x[r * c + j] - mean[j]) * k3[j]);
}
