/* The Squeeze-and-Excitation operation (floor 3), Hu et al. 2018:
 *   z = squeeze(x)                      (N, C)   global average or max pool
 *   h = relu(W1 z + b1)                 (N, C/r)
 *   s = gate(W2 h + b2)                 (N, C)   sigmoid, tanh or relu
 *   y = s * x                           (N, HW, C)
 * Where it sits in a block (standard, pre, post, identity) is the model's business. */
#ifndef SENET_OPS_SE_H
#define SENET_OPS_SE_H

#include "../base/real.h"
#include "activation.h"

#include <stdint.h>

typedef enum se_squeeze_kind { SE_SQUEEZE_AVG, SE_SQUEEZE_MAX } se_squeeze_kind;

typedef struct se_shape {
    int n, hw, c, hidden;
    se_squeeze_kind squeeze;
    activation_kind gate;
} se_shape;

typedef struct se_weights {
    const real *w1; /* (hidden, C) */
    const real *b1; /* (hidden) or NULL */
    const real *w2; /* (C, hidden) */
    const real *b2; /* (C) or NULL */
} se_weights;

typedef struct se_grads {
    real *w1, *b1, *w2, *b2; /* as se_weights; biases NULL when absent */
} se_grads;

/* What forward keeps for backward. */
typedef struct se_saved {
    real *z;         /* (N, C) squeezed */
    real *h;         /* (N, hidden) after the ReLU */
    real *s;         /* (N, C) gate output */
    int32_t *argmax; /* (N, C), max squeeze only */
} se_saved;

/* Squeeze and excitation without the scale: fills saved->z, h and s (the
 * inference path applies s inside the residual add). */
void se_excite(se_saved *saved, const real *x, const se_weights *w, const se_shape *s);

void se_forward(real *y, se_saved *saved, const real *x, const se_weights *w, const se_shape *s);
/* Accumulates d_x and the weight gradients. Returns SENET_ERR_NOMEM if its scratch cannot be had. */
int se_backward(real *d_x, se_grads *g, const real *d_y, const real *x, const se_saved *saved, const se_weights *w,
                const se_shape *s);

/* Training's fusion of the SE with the residual add (and ReLU) after it:
 * the backward of y = relu(x * s + residual) (y NULL: no ReLU) from d_y,
 * accumulating d_x, d_residual and the weight gradients. */
int se_add_backward(real *d_x, real *d_residual, se_grads *g, const real *d_y, const real *y, const real *x,
                    const se_saved *saved, const se_weights *w, const se_shape *s);

#endif
