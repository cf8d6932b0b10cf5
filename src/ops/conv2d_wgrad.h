/* The weight gradient of a convolution read straight from its input, with
 * no im2col matrix: conv2d's backward takes it for the shapes it handles. */
#ifndef SENET_OPS_CONV2D_WGRAD_H
#define SENET_OPS_CONV2D_WGRAD_H

#include "conv2d.h"

/* Whether conv2d_wgrad_direct handles this shape: one group, C_in a
 * multiple of 16, C_out a multiple of 8, not a 1x1 stride-1 layer (whose
 * input already is the im2col matrix). */
int conv2d_wgrad_direct_applies(const conv2d_shape *s);

/* Reals of scratch for `count` images: each image zero-padded. */
size_t conv2d_wgrad_direct_scratch(const conv2d_shape *s, int count);

/* dw (C_out, KH*KW*C_in), K in (kh, kw, c) order, += the weight gradient of
 * `count` images: img (count, H, W, C_in), d_out (count, H_out, W_out,
 * C_out); padded: scratch of conv2d_wgrad_direct_scratch reals. One thread. */
void conv2d_wgrad_direct(real *dw, const real *d_out, const real *img, int count, const conv2d_shape *s,
                         real *padded);

#endif
