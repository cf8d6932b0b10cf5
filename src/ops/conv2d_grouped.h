/* Direct convolution for narrow groups (inference and the training forward),
 * AVX-512 only; conv2d chooses it per shape and falls back to one GEMM per
 * group elsewhere. */
#ifndef SENET_OPS_CONV2D_GROUPED_H
#define SENET_OPS_CONV2D_GROUPED_H

#include "conv2d.h"

/* Whether the direct kernel takes this shape on this machine: groups of at
 * most 16 output channels that tile 16-lane registers, under the AVX-512
 * micro-kernel (SENET_ISA can force it off). */
int conv2d_grouped_direct(const conv2d_shape *s);

/* Reals of the packed weights, and the packing: (C_out/16, KH*KW, C_in/groups, 16),
 * each output channel scaled by scale[c] when scale is not NULL. */
size_t conv2d_grouped_packed_size(const conv2d_shape *s);
void conv2d_grouped_pack(real *packed, const real *weight, const real *scale, const conv2d_shape *s);

/* out (N, H_out, W_out, C_out) = conv(in, packed) + bias (may be NULL), then ReLU when relu. */
void conv2d_grouped_forward(real *out, const real *in, const real *packed, const real *bias, int relu,
                            const conv2d_shape *s);

#endif
