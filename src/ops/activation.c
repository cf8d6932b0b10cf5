/* ReLU, sigmoid and tanh, forward and backward. One loop per kind, so that
 * ReLU (the one on every layer) is a plain vectorised max / select. */
#include "activation.h"

#include "../base/threads.h"

#include <math.h>

#define PARALLEL_LOOP _Pragma("omp parallel for num_threads(threads_get()) schedule(static) if (count > 65536)")

void activation_forward(real *y, const real *x, size_t count, activation_kind kind)
{
    switch (kind) {
    case ACT_RELU:
        PARALLEL_LOOP
        for (size_t i = 0; i < count; i++)
            y[i] = x[i] > 0 ? x[i] : 0;
        break;
    case ACT_SIGMOID:
        PARALLEL_LOOP
        for (size_t i = 0; i < count; i++)
            y[i] = (real)(1 / (1 + exp(-(double)x[i])));
        break;
    case ACT_TANH:
        PARALLEL_LOOP
        for (size_t i = 0; i < count; i++)
            y[i] = (real)tanh((double)x[i]);
        break;
    }
}

void activation_backward(real *d_x, const real *d_y, const real *y, size_t count, activation_kind kind)
{
    switch (kind) {
    case ACT_RELU:
        PARALLEL_LOOP
        for (size_t i = 0; i < count; i++) {
            real g = d_y[i]; /* loaded unconditionally so the loop vectorises */
            d_x[i] += y[i] > 0 ? g : 0;
        }
        break;
    case ACT_SIGMOID:
        PARALLEL_LOOP
        for (size_t i = 0; i < count; i++)
            d_x[i] += d_y[i] * y[i] * (1 - y[i]);
        break;
    case ACT_TANH:
        PARALLEL_LOOP
        for (size_t i = 0; i < count; i++)
            d_x[i] += d_y[i] * (1 - y[i] * y[i]);
        break;
    }
}
