/* The int8 GEMM's packing, threading and reference (gemm_u8s8.h); the block
 * kernels are the kernel table's (gemm_u8s8_portable.inc, and
 * gemm_u8s8_avx512.inc on AVX512-VNNI). */
#include "gemm_u8s8.h"
#include "gemm.h"
#include "isa.h"

int gemm_u8s8_lda(int k) { return (k + 3) & ~3; }

static int quads_of(int k) { return (k + 3) / 4; }

size_t gemm_u8s8_packed_b_size(int n, int k)
{
    size_t panels = ((size_t)(n > 0 ? n : 1) + GEMM_NR - 1) / GEMM_NR;
    return panels * (size_t)(k > 0 ? quads_of(k) : 1) * GEMM_NR * 4;
}

static int8_t b_at(const int8_t *b, int ldb, int trans, int p, int j)
{
    return trans ? b[(size_t)j * ldb + p] : b[(size_t)p * ldb + j];
}

void gemm_u8s8_pack_b(int8_t *dst, int trans_b, int n, int k, const int8_t *b, int ldb)
{
    int kq = quads_of(k), panels = (n + GEMM_NR - 1) / GEMM_NR;
    for (int jp = 0; jp < panels; jp++)
        for (int q = 0; q < kq; q++) {
            int8_t *out = dst + ((size_t)jp * kq + q) * GEMM_NR * 4; /* (NR columns, 4 of the quad) */
            for (int c = 0; c < GEMM_NR; c++) {
                int j = jp * GEMM_NR + c;
                for (int h = 0; h < 4; h++) {
                    int row = 4 * q + h;
                    out[c * 4 + h] = j < n && row < k ? b_at(b, ldb, trans_b, row, j) : 0;
                }
            }
        }
}

void gemm_u8s8_packed(int threads, int m, int n, int k, const uint8_t *a, int lda, const int8_t *packed_b, int32_t *c,
                      int ldc, int accumulate)
{
    if (m <= 0 || n <= 0)
        return;
    gemm_u8s8_block_fn block = isa_kernels()->gemm_u8s8_block;
    int kq = k > 0 ? quads_of(k) : 0;
    gemm_split sp = gemm_split_for(threads, m, n);
#pragma omp parallel for collapse(2) schedule(dynamic) num_threads(threads) if (threads > 1)
    for (int ib = 0; ib < sp.m_blocks; ib++) {
        for (int jb = 0; jb < sp.n_blocks; jb++) {
            int i0 = ib * sp.mc_step, mc = m - i0 < sp.mc_step ? m - i0 : sp.mc_step;
            int j0 = jb * sp.nc_step, nc = n - j0 < sp.nc_step ? n - j0 : sp.nc_step;
            block(mc, nc, kq, a + (size_t)i0 * lda, lda, packed_b + (size_t)(j0 / GEMM_NR) * kq * GEMM_NR * 4,
                  c + (size_t)i0 * ldc + j0, ldc, accumulate);
        }
    }
}

void gemm_u8s8_plain(int m, int n, int k, const uint8_t *a, int lda, int trans_b, const int8_t *b, int ldb, int32_t *c,
                     int ldc, int accumulate)
{
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            int32_t sum = 0;
            for (int p = 0; p < k; p++)
                sum += a[(size_t)i * lda + p] * b_at(b, ldb, trans_b, p, j);
            int32_t *cij = c + (size_t)i * ldc + j;
            *cij = accumulate ? *cij + sum : sum;
        }
}
