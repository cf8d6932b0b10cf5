/* The shape of a 2-D convolution, shared by the convolution ops (floor 3)
 * and the kernels below them. */
#ifndef SENET_KERNELS_CONV_SHAPE_H
#define SENET_KERNELS_CONV_SHAPE_H

typedef struct conv2d_shape {
    int n, h, w, c_in;      /* input (N, H, W, C_in) */
    int c_out, kh, kw;      /* weight (C_out, C_in / groups, KH, KW) */
    int stride, pad, groups;
    int h_out, w_out;       /* filled by conv2d_shape_finish */
} conv2d_shape;

#endif
