/* Fully connected layer (floor 3): torch.nn.Linear, y = x W^T + b.
 * Also the SE excitation layers, whose 1x1 convolutions on a (N, C) vector
 * are exactly this. */
#ifndef SENET_OPS_LINEAR_H
#define SENET_OPS_LINEAR_H

#include "../base/real.h"

/* x (N, IN), weight (OUT, IN), bias (OUT) or NULL -> y (N, OUT) */
void linear_forward(real *y, const real *x, const real *weight, const real *bias, int n, int in, int out);
/* Accumulates d_x (may be NULL), d_weight, d_bias (may be NULL). */
void linear_backward(real *d_x, real *d_weight, real *d_bias, const real *d_y, const real *x, const real *weight,
                     int n, int in, int out);

#endif
