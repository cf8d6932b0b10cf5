/* Packed GEMM in the style of GotoBLAS/BLIS: B is packed into KC x NR
 * column panels shared by all threads, each thread packs its MC x KC block
 * of A into MR-row panels, and an MR x NR micro-kernel keeps the tile of C
 * in registers (the GEMM_* blocking of kernel_args.h). The block kernel is
 * the kernel table's (gemm_block.inc, compiled once per instruction set;
 * isa.h chooses), so one binary runs on any x86-64. */
#include "gemm.h"
#include "isa.h"

#include "../base/alloc.h"
#include "../base/scratch.h"
#include "../base/status.h"
#include "../base/threads.h"

#include <stdint.h>
#include <stdlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <string.h>

static inline real a_at(const real *a, int lda, int trans, int i, int p)
{
    return trans ? a[(size_t)p * lda + i] : a[(size_t)i * lda + p];
}

/* A[i0:i0+mc, p0:p0+kc] -> panels of GEMM_MR rows, each stored k-major (kc x GEMM_MR), zero-padded.
 * Only transposed A is packed (see the macro kernel); its GEMM_MR values per k are contiguous. */
static void pack_a_trans(real *dst, const real *a, int lda, int i0, int mc, int p0, int kc)
{
    for (int ip = 0; ip < mc; ip += GEMM_MR) {
        int rows = mc - ip < GEMM_MR ? mc - ip : GEMM_MR;
        for (int p = 0; p < kc; p++) {
            const real *src = a + (size_t)(p0 + p) * lda + i0 + ip;
            if (rows == GEMM_MR) {
                for (int r = 0; r < GEMM_MR; r++)
                    dst[r] = src[r];
            } else {
                for (int r = 0; r < GEMM_MR; r++)
                    dst[r] = r < rows ? src[r] : 0;
            }
            dst += GEMM_MR;
        }
    }
}

/* B[p0:p0+kc, j0:j0+nc] -> panels of GEMM_NR columns, each stored k-major (kc x GEMM_NR), zero-padded. */
static void pack_b_panel(real *dst, const real *b, int ldb, int trans, int p0, int kc, int j0, int cols)
{
    for (int p = 0; p < kc; p++) {
        if (!trans && cols == GEMM_NR) {
            memcpy(dst, b + (size_t)(p0 + p) * ldb + j0, GEMM_NR * sizeof(real));
        } else {
            for (int c = 0; c < cols; c++)
                dst[c] = trans ? b[(size_t)(j0 + c) * ldb + p0 + p] : b[(size_t)(p0 + p) * ldb + j0 + c];
            for (int c = cols; c < GEMM_NR; c++)
                dst[c] = 0;
        }
        dst += GEMM_NR;
    }
}

static void scale_c(int m, int n, real beta, real *c, int ldc)
{
    if (beta == 1)
        return;
    for (int i = 0; i < m; i++) {
        real *row = c + (size_t)i * ldc;
        if (beta == 0)
            memset(row, 0, (size_t)n * sizeof(real));
        else
            for (int j = 0; j < n; j++)
                row[j] *= beta;
    }
}

size_t gemm_workspace_size(int n)
{
    size_t n_panels = ((size_t)(n > 0 ? n : 1) + GEMM_NR - 1) / GEMM_NR;
    return n_panels * GEMM_NR * GEMM_KC + (size_t)GEMM_MC * GEMM_KC;
}

/* The blocked product on `threads` threads (1: no parallel region, for
 * callers that are themselves one thread of a team). pb holds the packed B
 * panels, pa_all one GEMM_MC x GEMM_KC block of A per thread. */
static void gemm_blocked(int threads, int trans_a, int trans_b, int m, int n, int k, real alpha, const real *a,
                         int lda, const real *b, int ldb, int overwrite, real *c, int ldc, real *pb, real *pa_all)
{
    gemm_block_fn block = isa_kernels()->gemm_block;
    int n_panels = (n + GEMM_NR - 1) / GEMM_NR;
    int m_blocks = (m + GEMM_MC - 1) / GEMM_MC, n_blocks = (n + GEMM_NC - 1) / GEMM_NC;
    for (int p0 = 0; p0 < k; p0 += GEMM_KC) {
        int kc = k - p0 < GEMM_KC ? k - p0 : GEMM_KC;
        gemm_update u = {alpha, overwrite && p0 == 0, NULL, 0}; /* the first K block writes C, the rest add */
#pragma omp parallel num_threads(threads) if (threads > 1)
        {
#pragma omp for schedule(static)
            for (int jp = 0; jp < n_panels; jp++) {
                int cols = n - jp * GEMM_NR < GEMM_NR ? n - jp * GEMM_NR : GEMM_NR;
                pack_b_panel(pb + (size_t)jp * GEMM_NR * kc, b, ldb, trans_b, p0, kc, jp * GEMM_NR, cols);
            }
#ifdef _OPENMP
            real *pa = pa_all + (size_t)omp_get_thread_num() * GEMM_MC * GEMM_KC;
#else
            real *pa = pa_all;
#endif
            int packed_block = -1;
#pragma omp for collapse(2) schedule(static)
            for (int ib = 0; ib < m_blocks; ib++) {
                for (int jb = 0; jb < n_blocks; jb++) {
                    int i0 = ib * GEMM_MC, mc = m - i0 < GEMM_MC ? m - i0 : GEMM_MC;
                    int j0 = jb * GEMM_NC, nc = n - j0 < GEMM_NC ? n - j0 : GEMM_NC;
                    real *cb = c + (size_t)i0 * ldc + j0;
                    const real *pbj = pb + (size_t)j0 * kc;
                    if (!trans_a) {
                        block(mc, nc, kc, a + (size_t)i0 * lda + p0, lda, pbj, cb, ldc, &u);
                        continue;
                    }
                    if (packed_block != ib) {
                        pack_a_trans(pa, a, lda, i0, mc, p0, kc);
                        packed_block = ib;
                    }
                    block(mc, nc, kc, pa, 0, pbj, cb, ldc, &u);
                }
            }
        }
    }
}

/* The degenerate cases, tiny products and a beta other than 0 or 1; returns
 * 1 when nothing is left to do. Otherwise C is to be overwritten when
 * *overwrite (beta 0: the kernel stores, so C needs no clearing pass). */
static int gemm_prologue(int trans_a, int trans_b, int m, int n, int k, real alpha, const real *a, int lda,
                         const real *b, int ldb, real beta, real *c, int ldc, int *overwrite)
{
    if (m <= 0 || n <= 0)
        return 1;
    /* Tiny products are not worth packing. */
    if (k <= 0 || alpha == 0 || (long long)m * n * k < 4096) {
        scale_c(m, n, beta, c, ldc);
        if (k > 0 && alpha != 0)
            gemm_plain(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, 1, c, ldc);
        return 1;
    }
    *overwrite = beta == 0;
    if (beta != 0)
        scale_c(m, n, beta, c, ldc);
    return 0;
}

void gemm(int trans_a, int trans_b, int m, int n, int k, real alpha, const real *a, int lda,
          const real *b, int ldb, real beta, real *c, int ldc)
{
    int overwrite;
    if (gemm_prologue(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, &overwrite))
        return;
    int n_panels = (n + GEMM_NR - 1) / GEMM_NR;
    int threads = threads_get();
    size_t pb_size = (size_t)n_panels * GEMM_NR * GEMM_KC;
    real *pb = scratch_get(SCRATCH_GEMM, (pb_size + (size_t)threads * GEMM_MC * GEMM_KC) * sizeof(real));
    if (!pb) {
        /* Out of memory for packing buffers: fall back to the unpacked loop. */
        gemm_plain(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, overwrite ? 0 : 1, c, ldc);
        return;
    }
    gemm_blocked(threads, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, overwrite, c, ldc, pb, pb + pb_size);
}

void gemm_serial(int trans_a, int trans_b, int m, int n, int k, real alpha, const real *a, int lda,
                 const real *b, int ldb, real beta, real *c, int ldc, real *workspace)
{
    int overwrite;
    if (gemm_prologue(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, &overwrite))
        return;
    size_t n_panels = ((size_t)n + GEMM_NR - 1) / GEMM_NR;
    gemm_blocked(1, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, overwrite, c, ldc, workspace,
                 workspace + n_panels * GEMM_NR * GEMM_KC);
}

size_t gemm_packed_b_size(int n, int k)
{
    size_t n_panels = ((size_t)(n > 0 ? n : 1) + GEMM_NR - 1) / GEMM_NR;
    return n_panels * GEMM_NR * (size_t)(k > 0 ? k : 1);
}

/* K block p0 of the packed B starts at p0 * n_panels * GEMM_NR: the blocks
 * before it are GEMM_KC deep and n_panels * GEMM_NR wide. */
void gemm_pack_b_columns(real *dst, int trans_b, int n, int k, int j_begin, int j_end, const real *b, int ldb)
{
    int n_panels = (n + GEMM_NR - 1) / GEMM_NR;
    for (int p0 = 0; p0 < k; p0 += GEMM_KC) {
        int kc = k - p0 < GEMM_KC ? k - p0 : GEMM_KC;
        for (int jp = j_begin / GEMM_NR; jp * GEMM_NR < j_end; jp++) {
            int cols = j_end - jp * GEMM_NR < GEMM_NR ? j_end - jp * GEMM_NR : GEMM_NR;
            pack_b_panel(dst + (size_t)p0 * n_panels * GEMM_NR + (size_t)jp * GEMM_NR * kc, b, ldb, trans_b, p0, kc,
                         jp * GEMM_NR - j_begin, cols);
        }
    }
}

void gemm_pack_b(real *dst, int trans_b, int n, int k, const real *b, int ldb)
{
    gemm_pack_b_columns(dst, trans_b, n, k, 0, n, b, ldb);
}

int gemm_b_panel_width(void) { return GEMM_NR; }

gemm_split gemm_split_for(int threads, int m, int n)
{
    gemm_split sp;
    /* Row blocks of equal size (in whole micro-tiles) rather than MC and a
     * remainder: 196 rows of a 14x14 map were 96 + 96 + 4, and the thread
     * that drew the 4-row blocks idled (1.54x on 2 threads instead of 1.9x). */
    sp.m_blocks = (m + GEMM_MC - 1) / GEMM_MC;
    sp.mc_step = ((m + sp.m_blocks - 1) / sp.m_blocks + GEMM_MR - 1) / GEMM_MR * GEMM_MR;
    sp.m_blocks = (m + sp.mc_step - 1) / sp.mc_step;
    /* Column blocks narrower than NC when there are too few blocks to keep
     * every thread busy (batch 1: 49 pixels x 512 channels is one block). */
    sp.nc_step = GEMM_NC;
    while (threads > 1 && sp.nc_step > GEMM_NR &&
           (long long)sp.m_blocks * ((n + sp.nc_step - 1) / sp.nc_step) < 4LL * threads)
        sp.nc_step /= 2;
    sp.n_blocks = (n + sp.nc_step - 1) / sp.nc_step;
    return sp;
}

/* With B packed beforehand there is no shared packing step, so one parallel
 * region covers the whole product: each thread owns whole C blocks and runs
 * all K blocks of them. */
void gemm_packed(int threads, int m, int n, int k, const real *a, int lda, const real *packed_b, real *c, int ldc,
                 const gemm_epilogue *epi)
{
    if (m <= 0 || n <= 0)
        return;
    if (k <= 0) {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                real *cij = c + (size_t)i * ldc + j;
                real v = (epi && epi->accumulate ? *cij : 0) + (epi && epi->bias ? epi->bias[j] : 0);
                *cij = epi && epi->relu && v < 0 ? 0 : v;
            }
        return;
    }
    gemm_block_fn block = isa_kernels()->gemm_block;
    int n_panels = (n + GEMM_NR - 1) / GEMM_NR;
    gemm_split sp = gemm_split_for(threads, m, n);
    int m_blocks = sp.m_blocks, mc_step = sp.mc_step, n_blocks = sp.n_blocks, nc_step = sp.nc_step;
    /* Dynamic: the blocks still differ (the last row and column blocks are
     * short), and which thread computes a block does not change its sums. */
#pragma omp parallel for collapse(2) schedule(dynamic) num_threads(threads) if (threads > 1)
    for (int ib = 0; ib < m_blocks; ib++) {
        for (int jb = 0; jb < n_blocks; jb++) {
            int i0 = ib * mc_step, mc = m - i0 < mc_step ? m - i0 : mc_step;
            int j0 = jb * nc_step, nc = n - j0 < nc_step ? n - j0 : nc_step;
            for (int p0 = 0; p0 < k; p0 += GEMM_KC) {
                int kc = k - p0 < GEMM_KC ? k - p0 : GEMM_KC, last = p0 + kc == k;
                gemm_update u = {1, p0 == 0 && !(epi && epi->accumulate), last && epi && epi->bias ? epi->bias + j0 : NULL,
                              last && epi && epi->relu};
                block(mc, nc, kc, a + (size_t)i0 * lda + p0, lda,
                              packed_b + (size_t)p0 * n_panels * GEMM_NR + (size_t)j0 * kc, c + (size_t)i0 * ldc + j0, ldc,
                              &u);
            }
        }
    }
}

void gemm_plain(int trans_a, int trans_b, int m, int n, int k, real alpha, const real *a, int lda,
                const real *b, int ldb, real beta, real *c, int ldc)
{
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
            real sum = 0;
            for (int p = 0; p < k; p++)
                sum += a_at(a, lda, trans_a, i, p) * (trans_b ? b[(size_t)j * ldb + p] : b[(size_t)p * ldb + j]);
            real *cij = c + (size_t)i * ldc + j;
            *cij = alpha * sum + (beta == 0 ? 0 : beta * *cij);
        }
    }
}
