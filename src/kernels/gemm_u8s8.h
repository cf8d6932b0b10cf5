/* Matrix multiply of int8 inference (floor 2): C (m x n, int32) (+)=
 * A (m x k, uint8: activations with a zero point) * B (k x n, int8:
 * weights, packed), exactly. VPDPBUSD adds four u8 x s8 products to a
 * 32-bit lane a time; with A below 256 and B within [-128, 127] a sum of K
 * products stays within int32 up to K = 66,000, beyond any layer here
 * (SENET-154's largest is 4,608), so every kernel and the plain loop agree
 * exactly. The scales, zero points and requantisation are the caller's. */
#ifndef SENET_KERNELS_GEMM_U8S8_H
#define SENET_KERNELS_GEMM_U8S8_H

#include <stddef.h>
#include <stdint.h>

/* A's rows are read four values at a time: lda a multiple of 4 and each
 * row readable up to it (the values past k multiply zeros). */
int gemm_u8s8_lda(int k);

/* B packed once: gemm_u8s8_packed_b_size bytes hold op(B) (k x n) in
 * panels of GEMM_NR columns with quads of K interleaved: panel j, quad q,
 * column c at ((j * kq + q) * NR + c) * 4, kq = (k + 3) / 4; zero-padded. */
size_t gemm_u8s8_packed_b_size(int n, int k);
void gemm_u8s8_pack_b(int8_t *dst, int trans_b, int n, int k, const int8_t *b, int ldb);

/* C (m x n, ldc) = A * packed B, or += with accumulate, on `threads` threads. */
void gemm_u8s8_packed(int threads, int m, int n, int k, const uint8_t *a, int lda, const int8_t *packed_b, int32_t *c,
                      int ldc, int accumulate);

/* The reference: the same sums as a plain loop over A and op(B). */
void gemm_u8s8_plain(int m, int n, int k, const uint8_t *a, int lda, int trans_b, const int8_t *b, int ldb, int32_t *c,
                     int ldc, int accumulate);

#endif
