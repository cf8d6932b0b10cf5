/* Direct convolution for layers with few output channels (16 or 32): the
 * taps are read from a zero-padded copy of the input and summed in
 * registers, with no im2col matrix and no Winograd transforms. conv2d
 * chooses it per shape, and for the data gradient of stride-1 layers with
 * few input channels (a stride-1 convolution of d_out with the weights
 * rotated). */
#ifndef SENET_OPS_CONV2D_DIRECT_H
#define SENET_OPS_CONV2D_DIRECT_H

#include "conv2d.h"

/* dst (H + 2 pad, W + 2 pad, C_in) = one image (H, W, C_in) of the shape's
 * input in a border of zeros (the direct kernels' input; conv2d_wgrad's too). */
void conv2d_pad_image(real *dst, const real *img, const conv2d_shape *s);

/* Whether the forward of this shape is direct: one group, C_out 16 or 32,
 * not a 1x1 stride-1 layer (whose input already is the GEMM's matrix).
 * Depends on the kernel's shape only, as the packing must agree. */
int conv2d_direct_applies(const conv2d_shape *s);

/* Packed weights: (KH, KW, C_in, C_out), scaled per output channel when
 * scale is not NULL. */
size_t conv2d_direct_packed_size(const conv2d_shape *s);
void conv2d_direct_pack(real *packed, const real *weight, const real *scale, const conv2d_shape *s);

/* out (N, H_out, W_out, C_out) = conv(in, packed) + bias (may be NULL),
 * ReLU when relu; -1 when its padded-input scratch cannot be had. */
int conv2d_direct_forward(real *out, const real *in, const real *packed, const real *bias, int relu,
                          const conv2d_shape *s);

/* The data gradient of a stride-1 layer with one group, C_in 16 or 32 and
 * padding below the kernel size: d_in += dL/din for d_out and the layer's
 * weight (C_out, C_in, KH, KW); -1 when its scratch cannot be had. */
int conv2d_direct_backward_data_applies(const conv2d_shape *s);
int conv2d_direct_backward_data(real *d_in, const real *d_out, const real *weight, const conv2d_shape *s);

#endif
