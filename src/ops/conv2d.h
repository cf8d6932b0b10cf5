/* 2-D convolution (floor 3). Activations are channels-last (N, H, W, C);
 * weights are PyTorch's (C_out, C_in / groups, KH, KW). Semantics are
 * torch.nn.functional.conv2d with zero padding, stride, groups, optional bias. */
#ifndef SENET_OPS_CONV2D_H
#define SENET_OPS_CONV2D_H

#include "../base/real.h"
#include "../kernels/conv_shape.h"


/* Computes h_out and w_out; SENET_ERR_SHAPE (with a message) if the shape is impossible. */
int conv2d_shape_finish(conv2d_shape *s);

/* out (N, H_out, W_out, C_out) = conv(in (N, H, W, C_in), weight) + bias; bias may be NULL. */
int conv2d_forward(real *out, const real *in, const real *weight, const real *bias, const conv2d_shape *s);

/* Accumulates: d_in += dL/din (d_in may be NULL), d_weight += dL/dw, d_bias += dL/db (may be NULL). */
int conv2d_backward(real *d_in, real *d_weight, real *d_bias, const real *d_out, const real *in,
                    const real *weight, const conv2d_shape *s);

/* Inference with weights prepared once: permuted, scaled per output channel
 * (a folded batch norm; scale may be NULL) and packed for the GEMM.
 * conv2d_packed_size gives the reals `packed` needs. release: the raw
 * weights are not read again (senet_net_freeze), and their pages go back to
 * the system as they are packed, so two copies of a large layer never
 * coexist. */
size_t conv2d_packed_size(const conv2d_shape *s);
/* How a shape's forward is computed: "gemm", "winograd", "grouped" or "direct". */
const char *conv2d_method_name(const conv2d_shape *s);
int conv2d_pack_weights(real *packed, const real *weight, const real *scale, const conv2d_shape *s, int release);

/* out = conv(in, packed) + bias (may be NULL), then ReLU when relu. */
int conv2d_forward_packed(real *out, const real *in, const real *packed, const real *bias, int relu,
                          const conv2d_shape *s);

/* The direct seven-loop convolution and its gradients (d_in and d_weight
 * accumulate): the references the fast paths are tested against. */
void conv2d_forward_plain(real *out, const real *in, const real *weight, const real *bias, const conv2d_shape *s);
void conv2d_backward_plain(real *d_in, real *d_weight, const real *d_out, const real *in, const real *weight,
                           const conv2d_shape *s);

#endif
