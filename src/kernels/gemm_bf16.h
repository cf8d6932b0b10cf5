/* Matrix multiply with bf16 operands and fp32 sums (floor 2), the product
 * of bf16 inference: C (m x n, fp32) = A (m x k, bf16) * B (k x n, bf16
 * packed) + bias, ReLU.
 *
 * The products are taken in pairs along K, as VDPBF16PS does: for each
 * output, starting from 0, for p = 0, 1, ...: c += a[2p+1] * b[2p+1], then
 * c += a[2p] * b[2p], each sum rounded to fp32 (a product of two bf16 is
 * exact). The AVX512-BF16 kernel and the portable one follow that order, so
 * they agree bit for bit with gemm_bf16_plain (inputs without subnormals:
 * the instruction flushes them to zero). K is not split into blocks, so no
 * partial sum is stored and reloaded in another order. */
#ifndef SENET_KERNELS_GEMM_BF16_H
#define SENET_KERNELS_GEMM_BF16_H

#include "bf16.h"
#include "gemm.h"

/* A's rows are read in pairs: lda even, and when k is odd each row holds a
 * zero after its k values. gemm_bf16_lda(k): the smallest such lda;
 * gemm_bf16_rows writes A (m x k, fp32, ld) as such rows, rounded. */
int gemm_bf16_lda(int k);
void gemm_bf16_rows(bf16 *dst, int lda, int m, int k, const float *src, int ld);

/* B packed once (the weights): gemm_bf16_packed_b_size bf16 values hold
 * op(B) (k x n) rounded to bf16, in panels of GEMM_NR columns with pairs
 * of K interleaved: panel j, pair p, column c at ((j * kp + p) * NR + c) * 2,
 * kp = (k + 1) / 2; zero-padded. */
size_t gemm_bf16_packed_b_size(int n, int k);
void gemm_bf16_pack_b(bf16 *dst, int trans_b, int n, int k, const float *b, int ldb);

/* C (m x n, ldc) = A (m x k, bf16, row-major, lda from gemm_bf16_lda or
 * larger and even) * packed B, then the epilogue (may be NULL), on
 * `threads` threads. */
void gemm_bf16_packed(int threads, int m, int n, int k, const bf16 *a, int lda, const bf16 *packed_b, float *c,
                      int ldc, const gemm_epilogue *epi);

/* The reference: the pair order above as a plain loop over A and op(B) as
 * given (B rounded to bf16 here, as the packing does). */
void gemm_bf16_plain(int m, int n, int k, const bf16 *a, int lda, int trans_b, const float *b, int ldb, float *c,
                     int ldc, const gemm_epilogue *epi);

#endif
