/* Residual add and channel-wise scale. */
#include "elementwise.h"

#include "../base/threads.h"

#include <string.h>

void add_forward(real *y, const real *a, const real *b, size_t count)
{
#pragma omp parallel for num_threads(threads_get()) schedule(static) if (count > 65536)
    for (size_t i = 0; i < count; i++)
        y[i] = a[i] + b[i];
}

void scale_add_forward(real *y, const real *x, const real *s, const real *residual, int n, int hw, int c, int relu)
{
#pragma omp parallel for collapse(2) num_threads(threads_get()) schedule(static) if ((size_t)n * hw * c > 65536)
    for (int b = 0; b < n; b++)
        for (int p = 0; p < hw; p++) {
            size_t row = ((size_t)b * hw + p) * c;
            const real *sb = s ? s + (size_t)b * c : NULL;
            for (int ch = 0; ch < c; ch++) {
                real v = (sb ? x[row + ch] * sb[ch] : x[row + ch]) + residual[row + ch];
                y[row + ch] = relu && v < 0 ? 0 : v;
            }
        }
}

/* One image of scale_add_backward, with the ReLU and the scale known at
 * compile time so that the loop has no branch and vectorises. */
static inline __attribute__((always_inline)) void scale_add_backward_image(
    real *restrict d_x, real *restrict d_residual, double *restrict acc, const real *restrict d_y,
    const real *restrict y, const real *restrict x, const real *restrict s, int hw, int c, int relu, int scaled)
{
    for (int p = 0; p < hw; p++) {
        size_t row = (size_t)p * c;
        for (int ch = 0; ch < c; ch++) {
            real g = d_y[row + ch], dz = g;
            if (relu)
                dz = y[row + ch] > 0 ? g : 0; /* both loads unconditional: a select, not a branch */
            d_residual[row + ch] += dz;
            if (scaled) {
                d_x[row + ch] += dz * s[ch];
                acc[ch] += (double)(dz * x[row + ch]);
            } else {
                d_x[row + ch] += dz;
            }
        }
    }
}

void scale_add_backward(real *d_x, real *d_residual, real *d_s, const real *d_y, const real *y, const real *x,
                        const real *s, int n, int hw, int c)
{
#pragma omp parallel for num_threads(threads_get()) schedule(static) if ((size_t)n * hw * c > 65536)
    for (int b = 0; b < n; b++) {
        double acc[c];
        memset(acc, 0, sizeof acc);
        size_t at = (size_t)b * hw * c;
        real *dx = d_x + at, *dr = d_residual + at;
        const real *dy = d_y + at, *yb = y ? y + at : NULL, *xb = x ? x + at : NULL, *sb = s ? s + (size_t)b * c : NULL;
        if (y && s)
            scale_add_backward_image(dx, dr, acc, dy, yb, xb, sb, hw, c, 1, 1);
        else if (s)
            scale_add_backward_image(dx, dr, acc, dy, NULL, xb, sb, hw, c, 0, 1);
        else if (y)
            scale_add_backward_image(dx, dr, acc, dy, yb, NULL, NULL, hw, c, 1, 0);
        else
            scale_add_backward_image(dx, dr, acc, dy, NULL, NULL, NULL, hw, c, 0, 0);
        if (d_s)
            for (int ch = 0; ch < c; ch++)
                d_s[(size_t)b * c + ch] += (real)acc[ch];
    }
}

void accumulate(real *d_x, const real *d_y, size_t count)
{
#pragma omp parallel for num_threads(threads_get()) schedule(static) if (count > 65536)
    for (size_t i = 0; i < count; i++)
        d_x[i] += d_y[i];
}

void channel_scale_forward(real *y, const real *x, const real *s, int n, int hw, int c)
{
#pragma omp parallel for collapse(2) num_threads(threads_get()) schedule(static)
    for (int b = 0; b < n; b++)
        for (int p = 0; p < hw; p++)
            for (int ch = 0; ch < c; ch++) {
                size_t i = ((size_t)b * hw + p) * c + ch;
                y[i] = x[i] * s[(size_t)b * c + ch];
            }
}

void channel_scale_backward(real *d_x, real *d_s, const real *d_y, const real *x, const real *s, int n, int hw,
                            int c)
{
#pragma omp parallel for num_threads(threads_get()) schedule(static)
    for (int b = 0; b < n; b++) {
        double acc[c];
        memset(acc, 0, sizeof acc);
        for (int p = 0; p < hw; p++)
            for (int ch = 0; ch < c; ch++) {
                size_t i = ((size_t)b * hw + p) * c + ch;
                acc[ch] += (double)d_y[i] * x[i];
                if (d_x)
                    d_x[i] += d_y[i] * s[(size_t)b * c + ch];
            }
        for (int ch = 0; ch < c; ch++)
            d_s[(size_t)b * c + ch] += (real)acc[ch];
    }
}
