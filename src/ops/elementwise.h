/* Element-wise tensor arithmetic (floor 3): the residual add and the SE
 * channel-wise scale. */
#ifndef SENET_OPS_ELEMENTWISE_H
#define SENET_OPS_ELEMENTWISE_H

#include "../base/real.h"

#include <stddef.h>

/* y = a + b over count elements. Backward is the identity into both inputs. */
void add_forward(real *y, const real *a, const real *b, size_t count);
/* d_x += d_y */
/* Inference fusion of SE scale, residual add and ReLU in one pass:
 * y = x * s[n, c] + residual (s NULL: no scale), then ReLU when relu. */
void scale_add_forward(real *y, const real *x, const real *s, const real *residual, int n, int hw, int c, int relu);

/* The backward of scale_add_forward from its output y and gradient d_y (y
 * NULL: no ReLU): dz = d_y where y > 0; d_residual += dz; d_x += dz * s and
 * d_s[n, c] += sum_p dz * x (s and d_s NULL: no scale, d_x += dz). The
 * gradients must not overlap each other or the inputs. */
void scale_add_backward(real *d_x, real *d_residual, real *d_s, const real *d_y, const real *y, const real *x,
                        const real *s, int n, int hw, int c);

void accumulate(real *d_x, const real *d_y, size_t count);

/* y[n, p, c] = x[n, p, c] * s[n, c]; x (N, HW, C), s (N, C). */
void channel_scale_forward(real *y, const real *x, const real *s, int n, int hw, int c);
/* d_x += d_y * s (d_x may be NULL); d_s[n, c] += sum_p d_y * x. */
void channel_scale_backward(real *d_x, real *d_s, const real *d_y, const real *x, const real *s, int n, int hw,
                            int c);

#endif
