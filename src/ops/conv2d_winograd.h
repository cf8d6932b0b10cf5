/* Winograd F(2x2, 3x3) convolution for 3x3 stride-1 layers (inference, and
 * the forward and data gradient in training); conv2d chooses it per shape. */
#ifndef SENET_OPS_CONV2D_WINOGRAD_H
#define SENET_OPS_CONV2D_WINOGRAD_H

#include "conv2d.h"

/* Whether this shape is computed with Winograd: 3x3, stride 1, one group,
 * at least 16 channels in and out. Depends on the kernel's shape only (not
 * on the batch or map size), since weights are packed before either is known.
 * The double-precision build (gradcheck) takes it too. */
int conv2d_winograd_applies(const conv2d_shape *s);

/* Reals of the packed weights: the 16 transformed (C_in, C_out) matrices,
 * each packed for the GEMM, scaled per output channel when scale is not NULL.
 * The packing returns -1 when its scratch cannot be had. */
size_t conv2d_winograd_packed_size(const conv2d_shape *s);
int conv2d_winograd_pack(real *packed, const real *weight, const real *scale, const conv2d_shape *s);

/* out (N, H_out, W_out, C_out) = conv(in, packed) + bias (may be NULL), ReLU
 * when relu; -1 when the transform buffers cannot be had. */
int conv2d_winograd_forward(real *out, const real *in, const real *packed, const real *bias, int relu,
                            const conv2d_shape *s);

/* Whether the data gradient of s is computed with Winograd: s is a Winograd
 * shape, and so is its transposed convolution (C_out in, C_in out). */
int conv2d_winograd_backward_data_applies(const conv2d_shape *s);
/* d_in (N, H, W, C_in) += the data gradient of s from d_out and the weights
 * (C_out, C_in, 3, 3); -1 when its scratch cannot be had. Uses the
 * SCRATCH_PACKED and SCRATCH_CONV slots. */
int conv2d_winograd_backward_data(real *d_in, const real *d_out, const real *weight, const conv2d_shape *s);

#endif
