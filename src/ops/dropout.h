/* Dropout (floor 3): torch.nn.Dropout in training, zeroing each element with
 * probability p and scaling the rest by 1 / (1 - p). The mask comes from
 * the caller's seeded RNG so that a run can be reproduced. */
#ifndef SENET_OPS_DROPOUT_H
#define SENET_OPS_DROPOUT_H

#include "../base/real.h"
#include "../base/rng.h"

#include <stddef.h>

/* mask (count) receives 0 or 1/(1-p); y = x * mask. */
void dropout_forward(real *y, real *mask, const real *x, size_t count, real p, rng *r);
/* d_x += d_y * mask */
void dropout_backward(real *d_x, const real *d_y, const real *mask, size_t count);

#endif
