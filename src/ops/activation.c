/* ReLU, sigmoid and tanh, forward and backward. */
#include "activation.h"

#include "../base/threads.h"

#include <math.h>

void activation_forward(real *y, const real *x, size_t count, activation_kind kind)
{
#pragma omp parallel for num_threads(threads_get()) schedule(static) if (count > 65536)
    for (size_t i = 0; i < count; i++) {
        real v = x[i];
        switch (kind) {
        case ACT_RELU: y[i] = v > 0 ? v : 0; break;
        case ACT_SIGMOID: y[i] = (real)(1 / (1 + exp(-(double)v))); break;
        case ACT_TANH: y[i] = (real)tanh((double)v); break;
        }
    }
}

void activation_backward(real *d_x, const real *d_y, const real *y, size_t count, activation_kind kind)
{
#pragma omp parallel for num_threads(threads_get()) schedule(static) if (count > 65536)
    for (size_t i = 0; i < count; i++) {
        real v = y[i];
        switch (kind) {
        case ACT_RELU: d_x[i] += v > 0 ? d_y[i] : 0; break;
        case ACT_SIGMOID: d_x[i] += d_y[i] * v * (1 - v); break;
        case ACT_TANH: d_x[i] += d_y[i] * (1 - v * v); break;
        }
    }
}
