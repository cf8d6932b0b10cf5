/* Matrix multiply, the workhorse of convolution and linear layers (floor 2).
 *
 * Row-major: C[m x n] = alpha * op(A)[m x k] * op(B)[k x n] + beta * C,
 * op(X) = X or its transpose. beta == 0 overwrites C (NaNs in C do not leak).
 *
 * gemm() is the packed, blocked, threaded path with a micro-kernel chosen
 * at run time (AVX-512, AVX2+FMA or portable; SENET_ISA=avx512|avx2|portable
 * forces one). gemm_plain() is the triple loop kept as the reference. */
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

void gemm_plain(int trans_a, int trans_b, int m, int n, int k, real alpha, const real *a, int lda,
                const real *b, int ldb, real beta, real *c, int ldc);

/* The micro-kernel in use: "avx512", "avx2" or "portable". Chosen once per
 * process (pthread_once): the best the CPU runs, or the one SENET_ISA names.
 * The direct, grouped, Winograd and weight-gradient kernels follow it. */
const char *gemm_isa(void);
/* SENET_ERR_ARGUMENT, with a message naming the choices, when SENET_ISA names
 * no micro-kernel of this build or one the CPU lacks (the best one is used
 * meanwhile); senet_net_create fails with it, so a typo is not a silent
 * fall-back. */
int gemm_isa_check(void);
/* Whether this CPU runs the named micro-kernel. */
int gemm_isa_supported(const char *name);
/* Switches the micro-kernel (for tests that check every one in a process):
 * SENET_ERR_ARGUMENT for an unknown name, SENET_ERR_STATE for one the CPU
 * lacks. Not while other threads compute; packed inference weights of
 * grouped layers depend on it, so switch before building nets. */
int gemm_set_isa(const char *name);

#endif
