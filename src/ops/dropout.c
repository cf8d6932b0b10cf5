/* Dropout with an explicit mask. */
#include "dropout.h"

void dropout_forward(real *y, real *mask, const real *x, size_t count, real p, rng *r)
{
    real keep_scale = p < 1 ? (real)1 / (1 - p) : 0;
    for (size_t i = 0; i < count; i++) {
        mask[i] = rng_uniform(r) < (double)p ? 0 : keep_scale;
        y[i] = x[i] * mask[i];
    }
}

void dropout_backward(real *d_x, const real *d_y, const real *mask, size_t count)
{
    for (size_t i = 0; i < count; i++)
        d_x[i] += d_y[i] * mask[i];
}
