/* Batch norm. Channel sums over rows are accumulated in double, per thread,
 * then combined: the batch statistics of a 56x56x32 batch are sums of 10^5
 * terms, where float accumulation would drift from PyTorch's result. */
#include "batchnorm.h"

#include "../base/alloc.h"
#include "../base/threads.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

/* Two per-channel sums over the rows of a (rows, C), in one pass:
 *   b NULL:  s1[c] = sum_r (a - shift),  s2[c] = sum_r (a - shift)^2
 *   else:    s1[c] = sum_r a,            s2[c] = sum_r a * (b - shift)
 * with shift (C) NULL for 0, and a taken as 0 where mask (rows, C), when
 * not NULL, is not positive (a ReLU's output: its gradient passes only there).
 * Each thread sums a fixed block of rows; the blocks are added in thread
 * order, so a fixed thread count gives bit-identical results run to run. */
#ifdef SENET_REAL_DOUBLE
typedef uint64_t real_bits;
#else
typedef uint32_t real_bits;
#endif

/* g where a ReLU's output y is positive, else 0. Its zeros are +0.0, with
 * no bit set, so the bits are tested as integers: a float comparison may
 * trap (on NaN), and then the compiler leaves the loops around it scalar. */
static inline real passes(real g, const real *y)
{
    real_bits gb, yb;
    memcpy(&gb, &g, sizeof gb);
    memcpy(&yb, y, sizeof yb);
    gb &= (real_bits)0 - (real_bits)(yb != 0);
    memcpy(&g, &gb, sizeof g);
    return g;
}

/* One row of channel_sums with a mask (and a shift), with restrict and no
 * branch per element so that it vectorises. */
static void masked_sums(double *restrict l1, double *restrict l2, const real *restrict a, const real *restrict mask,
                        const real *restrict b, const real *restrict shift, int c)
{
    for (int j = 0; j < c; j++) {
        double v = (double)passes(a[j], mask + j);
        l1[j] += v;
        l2[j] += v * ((double)b[j] - shift[j]);
    }
}

static void channel_sums(double *s1, double *s2, const real *a, const real *mask, const real *b, const real *shift,
                         size_t rows, int c)
{
    int threads = threads_get();
    if ((size_t)threads > rows)
        threads = rows ? (int)rows : 1;
    double *partial = calloc((size_t)threads * 2 * c, sizeof(double));
    if (!partial)
        threads = 1; /* no scratch: one block straight into s1 and s2 */
    memset(s1, 0, (size_t)c * sizeof(double));
    memset(s2, 0, (size_t)c * sizeof(double));
#pragma omp parallel num_threads(threads)
    {
#ifdef _OPENMP
        int first = omp_get_thread_num(), team = omp_get_num_threads();
#else
        int first = 0, team = 1;
#endif
        /* The runtime may grant fewer threads than asked: blocks are fixed, threads stride over them. */
        for (int t = first; t < threads; t += team) {
            double *l1 = partial ? partial + (size_t)t * 2 * c : s1, *l2 = partial ? l1 + c : s2;
            size_t begin = rows * t / threads, end = rows * (t + 1) / threads;
            for (size_t r = begin; r < end; r++) {
                const real *ar = a + r * c;
                if (b && mask && shift) {
                    masked_sums(l1, l2, ar, mask + r * c, b + r * c, shift, c);
                } else if (b) {
                    const real *br = b + r * c;
                    for (int j = 0; j < c; j++) {
                        l1[j] += ar[j];
                        l2[j] += (double)ar[j] * ((double)br[j] - (shift ? shift[j] : 0));
                    }
                } else {
                    for (int j = 0; j < c; j++) {
                        double d = (double)ar[j] - (shift ? shift[j] : 0);
                        l1[j] += d;
                        l2[j] += d * d;
                    }
                }
            }
        }
    }
    if (partial) {
        for (int t = 0; t < threads; t++)
            for (int j = 0; j < c; j++) {
                s1[j] += partial[(size_t)t * 2 * c + j];
                s2[j] += partial[(size_t)t * 2 * c + c + j];
            }
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
                             const real *beta, real *running_mean, real *running_var, size_t rows, int c, int relu,
                             bn_sync *sync)
{
    /* One pass around a shift every replica shares (the running mean, else
     * 0): the sums are in double, so Σ(x-k)^2 - (Σ(x-k))^2/n loses nothing
     * that matters unless the mean is some 10^6 standard deviations off k. */
    double sums[2 * c + 1]; /* Σ(x-k), Σ(x-k)^2, the row count: one message when synced */
    channel_sums(sums, sums + c, x, NULL, NULL, running_mean, rows, c);
    sums[2 * c] = (double)rows;
    sync_sum(sync, sums, 2 * (size_t)c + 1);
    double count = sums[2 * c];
    for (int j = 0; j < c; j++) {
        double offset = sums[j] / count, sq = sums[c + j] - offset * sums[j];
        double var = sq > 0 ? sq / count : 0, batch_mean = (running_mean ? running_mean[j] : 0) + offset;
        mean[j] = (real)batch_mean;
        inv_std[j] = (real)(1.0 / sqrt(var + BN_EPS));
        if (running_mean) {
            double unbiased = count > 1 ? var * count / (count - 1) : var;
            running_mean[j] = (real)((1 - BN_MOMENTUM) * running_mean[j] + BN_MOMENTUM * batch_mean);
            running_var[j] = (real)((1 - BN_MOMENTUM) * running_var[j] + BN_MOMENTUM * unbiased);
        }
    }
    real scale[c], bias[c];
    for (int j = 0; j < c; j++) {
        scale[j] = gamma[j] * inv_std[j];
        bias[j] = beta[j] - mean[j] * scale[j];
    }
#pragma omp parallel for num_threads(threads_get()) schedule(static)
    for (size_t r = 0; r < rows; r++)
        for (int j = 0; j < c; j++) {
            real v = x[r * c + j] * scale[j] + bias[j];
            y[r * c + j] = relu ? (v > 0 ? v : 0) : v;
        }
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

void batchnorm_backward(real *d_x, real *d_gamma, real *d_beta, const real *d_y, const real *relu_y, const real *x,
                        const real *mean, const real *inv_std, const real *gamma, size_t rows, int c,
                        bn_sync *sync)
{
    double sums[2 * c + 1]; /* sum dy, sum dy * (x - mean), row count: one message when synced */
    double *sum_dy = sums, *sum_dy_xc = sums + c;
    channel_sums(sum_dy, sum_dy_xc, d_y, relu_y, x, mean, rows, c); /* Σ dy, Σ dy * (x - mean) */
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
    for (size_t r = 0; r < rows; r++) {
        const real *dy = d_y + r * c, *xr = x + r * c, *yr = relu_y ? relu_y + r * c : NULL;
        real *dx = d_x + r * c;
        if (yr)
            for (int j = 0; j < c; j++)
                dx[j] += k1[j] * (passes(dy[j], yr + j) - k2[j] - (xr[j] - mean[j]) * k3[j]);
        else
            for (int j = 0; j < c; j++)
                dx[j] += k1[j] * (dy[j] - k2[j] - (xr[j] - mean[j]) * k3[j]);
    }
}
