/* Linear layer on top of GEMM. */
#include "linear.h"

#include "../base/threads.h"
#include "../kernels/gemm.h"

/* x . w over n values, in 16 running sums the compiler keeps in vectors. */
static real dot(const real *restrict x, const real *restrict w, int n)
{
    real acc[16] = {0};
    int i = 0;
    for (; i + 16 <= n; i += 16)
        for (int l = 0; l < 16; l++)
            acc[l] += x[i + l] * w[i + l];
    real sum = 0;
    for (int l = 0; l < 16; l++)
        sum += acc[l];
    for (; i < n; i++)
        sum += x[i] * w[i];
    return sum;
}

void linear_forward(real *y, const real *x, const real *weight, const real *bias, int n, int in, int out)
{
    if (n <= 4) {
        /* A few rows (inference at small batch: the classifier, the SE
         * excitation): dot products read each weight row once, where
         * GEMM would first repack the whole (out, in) matrix. */
#pragma omp parallel for num_threads(threads_get()) schedule(static) if ((long long)out * in > 65536)
        for (int o = 0; o < out; o++)
            for (int b = 0; b < n; b++)
                y[(size_t)b * out + o] = dot(x + (size_t)b * in, weight + (size_t)o * in, in);
    } else {
        gemm(0, 1, n, out, in, 1, x, in, weight, in, 0, y, out);
    }
    if (bias)
        for (int b = 0; b < n; b++)
            for (int o = 0; o < out; o++)
                y[(size_t)b * out + o] += bias[o];
}

void linear_backward(real *d_x, real *d_weight, real *d_bias, const real *d_y, const real *x, const real *weight,
                     int n, int in, int out)
{
    gemm(1, 0, out, in, n, 1, d_y, out, x, in, 1, d_weight, in);
    if (d_x)
        gemm(0, 0, n, in, out, 1, d_y, out, weight, in, 1, d_x, in);
    if (d_bias)
        for (int b = 0; b < n; b++)
            for (int o = 0; o < out; o++)
                d_bias[o] += d_y[(size_t)b * out + o];
}
