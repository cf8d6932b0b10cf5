/* The bf16 GEMM's packing, threading and reference (gemm_bf16.h); the block
 * kernels are the kernel table's (gemm_bf16_portable.inc, and
 * gemm_bf16_avx512.inc on AVX512-BF16). Float builds only: the
 * double-precision gradient check has no use for it. */
#include "gemm_bf16.h"
#include "isa.h"

#ifndef SENET_REAL_DOUBLE

void bf16_from_floats(bf16 *dst, const float *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = bf16_from_float(src[i]);
}

int gemm_bf16_lda(int k) { return (k + 1) & ~1; }

void gemm_bf16_rows(bf16 *dst, int lda, int m, int k, const float *src, int ld)
{
    for (int i = 0; i < m; i++) {
        bf16 *row = dst + (size_t)i * lda;
        bf16_from_floats(row, src + (size_t)i * ld, (size_t)k);
        for (int p = k; p < gemm_bf16_lda(k); p++)
            row[p] = 0;
    }
}

static int pairs_of(int k) { return (k + 1) / 2; }

size_t gemm_bf16_packed_b_size(int n, int k)
{
    size_t panels = ((size_t)(n > 0 ? n : 1) + GEMM_NR - 1) / GEMM_NR;
    return panels * (size_t)(k > 0 ? pairs_of(k) : 1) * GEMM_NR * 2;
}

static float b_at(const float *b, int ldb, int trans, int p, int j)
{
    return trans ? b[(size_t)j * ldb + p] : b[(size_t)p * ldb + j];
}

void gemm_bf16_pack_b(bf16 *dst, int trans_b, int n, int k, const float *b, int ldb)
{
    int kp = pairs_of(k), panels = (n + GEMM_NR - 1) / GEMM_NR;
    for (int jp = 0; jp < panels; jp++)
        for (int p = 0; p < kp; p++) {
            bf16 *out = dst + ((size_t)jp * kp + p) * GEMM_NR * 2; /* (NR columns, 2 of the pair) */
            for (int c = 0; c < GEMM_NR; c++) {
                int j = jp * GEMM_NR + c;
                for (int h = 0; h < 2; h++) {
                    int row = 2 * p + h;
                    out[c * 2 + h] = j < n && row < k ? bf16_from_float(b_at(b, ldb, trans_b, row, j)) : 0;
                }
            }
        }
}

/* C split as gemm_packed splits it (gemm_split_for): which thread computes
 * a block does not change its sums. */
void gemm_bf16_packed(int threads, int m, int n, int k, const bf16 *a, int lda, const bf16 *packed_b, float *c,
                      int ldc, const gemm_epilogue *epi)
{
    if (m <= 0 || n <= 0)
        return;
    gemm_bf16_block_fn block = isa_kernels()->gemm_bf16_block;
    int kp = k > 0 ? pairs_of(k) : 0;
    gemm_split sp = gemm_split_for(threads, m, n);
    int m_blocks = sp.m_blocks, mc_step = sp.mc_step, n_blocks = sp.n_blocks, nc_step = sp.nc_step;
    int accumulate = epi && epi->accumulate;
#pragma omp parallel for collapse(2) schedule(dynamic) num_threads(threads) if (threads > 1)
    for (int ib = 0; ib < m_blocks; ib++) {
        for (int jb = 0; jb < n_blocks; jb++) {
            int i0 = ib * mc_step, mc = m - i0 < mc_step ? m - i0 : mc_step;
            int j0 = jb * nc_step, nc = n - j0 < nc_step ? n - j0 : nc_step;
            gemm_update u = {1, !accumulate, epi && epi->bias ? epi->bias + j0 : NULL, epi && epi->relu};
            block(mc, nc, kp, a + (size_t)i0 * lda, lda, packed_b + (size_t)(j0 / GEMM_NR) * kp * GEMM_NR * 2,
                  c + (size_t)i0 * ldc + j0, ldc, &u);
        }
    }
}

void gemm_bf16_plain(int m, int n, int k, const bf16 *a, int lda, int trans_b, const float *b, int ldb, float *c,
                     int ldc, const gemm_epilogue *epi)
{
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            float sum = 0;
            for (int p = 0; p < k; p += 2) { /* the pair's odd product first, as VDPBF16PS */
                float a1 = p + 1 < k ? bf16_to_float(a[(size_t)i * lda + p + 1]) : 0;
                float b1 = p + 1 < k ? bf16_to_float(bf16_from_float(b_at(b, ldb, trans_b, p + 1, j))) : 0;
                sum += a1 * b1;
                sum += bf16_to_float(a[(size_t)i * lda + p]) * bf16_to_float(bf16_from_float(b_at(b, ldb, trans_b, p, j)));
            }
            float *cij = c + (size_t)i * ldc + j;
            float v = sum;
            if (epi && epi->accumulate)
                v += *cij;
            if (epi && epi->bias)
                v += epi->bias[j];
            if (epi && epi->relu)
                v = v > 0 ? v : 0;
            *cij = v;
        }
}

#endif
