/* Element-wise activations (floor 3): ReLU, sigmoid, tanh. Backward takes
 * the forward output, which determines each derivative; d_x accumulates. */
#ifndef SENET_OPS_ACTIVATION_H
#define SENET_OPS_ACTIVATION_H

#include "../base/real.h"

#include <stddef.h>

typedef enum activation_kind { ACT_RELU, ACT_SIGMOID, ACT_TANH } activation_kind;

void activation_forward(real *y, const real *x, size_t count, activation_kind kind);
void activation_backward(real *d_x, const real *d_y, const real *y, size_t count, activation_kind kind);

#endif
