/* What the per-instruction-set kernels of isa.h take: the blocking of the
 * packed GEMM and the argument blocks of each kernel family. The kernels
 * themselves are templates (*.inc) compiled once per instruction set by
 * isa_avx512.c, isa_avx2.c and isa_portable.c. */
#ifndef SENET_KERNELS_KERNEL_ARGS_H
#define SENET_KERNELS_KERNEL_ARGS_H

#include "../base/real.h"
#include "bf16.h"
#include "conv_shape.h"

#include <stddef.h>
#include <stdint.h>

/* The integer as wide as `real`, for ReLU as a bit mask. */
#ifdef SENET_REAL_DOUBLE
typedef int64_t real_int;
#else
typedef int32_t real_int;
#endif

/* GEMM blocking (gemm.c packs for these; gemm_block.inc computes on them). */
#define GEMM_VLEN ((int)(64 / sizeof(real))) /* lanes of one 64-byte vector */
#define GEMM_NR (2 * GEMM_VLEN)               /* columns of a micro-tile */
#define GEMM_MR 12                            /* rows of a micro-tile */
#define GEMM_KC 192
#define GEMM_MC 96                            /* multiple of GEMM_MR */
#define GEMM_NC 512                           /* multiple of GEMM_NR */

/* How a block's product goes into C: C = alpha*AB when overwrite, else
 * C += alpha*AB; then, on the last K block only, + bias per column and
 * ReLU (the fused epilogue of a convolution with BN folded in). */
typedef struct gemm_update {
    real alpha;
    int overwrite;
    const real *bias; /* at the block's first column; NULL: none */
    int relu;
} gemm_update;

/* C[mc x nc] (+)= alpha * A * packed B over all micro-tiles of a block; A is
 * packed panels (k-major, GEMM_MR rows) when lda is 0, else rows of a
 * row-major matrix. */
typedef void (*gemm_block_fn)(int mc, int nc, int kc, const real *a, int lda, const real *packed_b, real *c, int ldc,
                              const gemm_update *u);

/* The bf16 GEMM's block kernel (gemm_bf16.h): C[mc x nc] (+)= A (mc rows
 * of k bf16 values in pairs, lda) * the packed B panels from the block's
 * first (kp pairs each), then bias and ReLU; alpha is 1. */
typedef void (*gemm_bf16_block_fn)(int mc, int nc, int kp, const bf16 *a, int lda, const bf16 *packed_b, float *c,
                                   int ldc, const gemm_update *u);

/* The int8 GEMM's block kernel (gemm_u8s8.h): C[mc x nc] (int32) = (or +=
 * with accumulate) A (mc rows of uint8 in quads, lda) * the packed B panels
 * from the block's first (kq quads each). */
typedef void (*gemm_u8s8_block_fn)(int mc, int nc, int kq, const uint8_t *a, int lda, const int8_t *packed_b,
                                   int32_t *c, int ldc, int accumulate);

/* What a direct-convolution tile reads: pixel j's tap t, channel c at
 * a0 + j * pixel_step + tap_off[t] + c; the weights of tap t, channel c at
 * w + (t * c_in + c) * c_out. */
typedef struct direct_geometry {
    const ptrdiff_t *tap_off;
    int taps, c_in, c_out;
    size_t pixel_step;
} direct_geometry;

#define DIRECT_MAX_VECS 2 /* vectors of output channels per tile */

/* One output row of w_out pixels: out (w_out, c_out) at its first pixel
 * (+= with add), a_row at that pixel's first tap; + bias, ReLU. */
typedef void (*direct_row_fn)(real *out, const real *a_row, int w_out, const real *w, const real *bias, int relu,
                              int add, const direct_geometry *g);

/* How a weight-gradient block walks the pixels: the first tap of output
 * pixel (oh, ow) of image i is at padded + i * image + oh * row_step +
 * ow * pixel_step. */
typedef struct wgrad_walk {
    int count, h_out, w_out, c_out;
    size_t image, row_step, pixel_step;
} wgrad_walk;

#define WGRAD_ROWS 8     /* output channels per block */
#define WGRAD_MAX_VECS 3 /* vectors of K per block */

/* dw rows o0..o0+WGRAD_ROWS-1 (d_out starts at column o0), nv vectors of K
 * from dw's first column; off[v]: where vector v of a pixel's K-row lies
 * from its first tap. */
typedef void (*wgrad_block_fn)(int nv, real *dw, size_t ldw, const real *d_out, const real *padded,
                               const ptrdiff_t *off, const wgrad_walk *g);

/* Winograd F(2x2, 3x3) transforms, vectorised over channels:
 * v[xi * v_stride + c] = (B^T d B)[xi] of a tile's 16 input pixels d[k];
 * y[i*2+j][c] = (A^T m A)[i][j] + bias, ReLU, for the outputs inside the
 * map (y[k] NULL outside), added to y when accumulating. */
typedef void (*winograd_input_fn)(real *restrict v, size_t v_stride, const real *const *d, int channels);
typedef void (*winograd_output_fn)(real *const *y, const real *m, size_t m_stride, const real *bias, int relu,
                                   int accumulate, int channels);

/* Grouped direct convolution of output pixels [first, first + np) of the
 * batch (flat over n, oh, ow), packed weights (C_out/16, KH*KW, cg, 16). */
#define GROUPED_LANES 16
#define GROUPED_PIXELS 8 /* output pixels per register block */
#define GROUPED_MAX_TAPS 49
#define GROUPED_MAX_C_IN 2048
typedef void (*grouped_pixels_fn)(real *out, const real *in, int first, int np, const real *packed, const real *bias,
                                  int relu, const conv2d_shape *s);

#endif
