/* Matrix multiply, the workhorse of convolution and linear layers (floor 2).
 *
 * Row-major: C[m x n] = alpha * op(A)[m x k] * op(B)[k x n] + beta * C,
 * op(X) = X or its transpose. beta == 0 overwrites C (NaNs in C do not leak).
 *
 * gemm() is the packed, blocked, threaded path with the micro-kernel of the
 * kernel table in use (isa.h: AVX-512, AVX2+FMA or portable, chosen at run
 * time). gemm_plain() is the triple loop kept as the reference. */
#ifndef SENET_KERNELS_GEMM_H
#define SENET_KERNELS_GEMM_H

#include "../base/real.h"

#include <stddef.h>

void gemm(int trans_a, int trans_b, int m, int n, int k, real alpha, const real *a, int lda,
          const real *b, int ldb, real beta, real *c, int ldc);

/* gemm() on the calling thread alone, for callers that split work over
 * threads themselves; workspace holds gemm_workspace_size(n) reals
 * (64-byte aligned) and may be reused between calls. */
void gemm_serial(int trans_a, int trans_b, int m, int n, int k, real alpha, const real *a, int lda,
                 const real *b, int ldb, real beta, real *c, int ldc, real *workspace);
size_t gemm_workspace_size(int n);

/* B packed once for many products (inference weights). gemm_packed_b_size
 * reals (64-byte aligned) hold op(B) (k x n) in the micro-kernel's panels. */
size_t gemm_packed_b_size(int n, int k);
void gemm_pack_b(real *dst, int trans_b, int n, int k, const real *b, int ldb);
/* Columns [j_begin, j_end) of op(B) into their place in the packed B of n
 * columns, from b holding those columns alone (column j_begin first);
 * j_begin a multiple of gemm_b_panel_width(), j_end too unless it is n. So
 * a large B can be packed a few panels at a time from a small copy. */
void gemm_pack_b_columns(real *dst, int trans_b, int n, int k, int j_begin, int j_end, const real *b, int ldb);
int gemm_b_panel_width(void);

/* What a product does to C after the multiply: + bias per column, ReLU. */
typedef struct gemm_epilogue {
    const real *bias; /* (n), or NULL */
    int relu;
    int accumulate;   /* C += A * B (before bias and ReLU) instead of C = */
} gemm_epilogue;

/* C (m x n) = A (m x k, untransposed) * B packed by gemm_pack_b, then the
 * epilogue (may be NULL), on `threads` threads (1: the calling thread). */
void gemm_packed(int threads, int m, int n, int k, const real *a, int lda, const real *packed_b, real *c, int ldc,
                 const gemm_epilogue *epi);

/* How a product with B packed beforehand splits C over threads: row blocks
 * of mc_step rows (whole micro-tiles, near-equal), column blocks of nc_step
 * (whole panels; narrower when there are too few blocks for the threads).
 * Shared by the fp32, bf16 and int8 products. */
typedef struct gemm_split {
    int mc_step, m_blocks, nc_step, n_blocks;
} gemm_split;
gemm_split gemm_split_for(int threads, int m, int n);

void gemm_plain(int trans_a, int trans_b, int m, int n, int k, real alpha, const real *a, int lda,
                const real *b, int ldb, real beta, real *c, int ldc);

#endif
