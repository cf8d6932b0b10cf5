/* Linear layer on top of GEMM. */
#include "linear.h"

#include "../kernels/gemm.h"

void linear_forward(real *y, const real *x, const real *weight, const real *bias, int n, int in, int out)
{
    gemm(0, 1, n, out, in, 1, x, in, weight, in, 0, y, out);
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
