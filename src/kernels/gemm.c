/* Packed GEMM in the style of GotoBLAS/BLIS: B is packed into KC x NR
 * column panels shared by all threads, each thread packs its MC x KC block
 * of A into MR-row panels, and an MR x NR micro-kernel keeps the tile of C
 * in registers. The micro-kernel is written once with vector extensions
 * and compiled for three instruction sets; the choice is made once at run
 * time so that one binary runs on any x86-64. */
#include "gemm.h"

#include "../base/alloc.h"
#include "../base/scratch.h"
#include "../base/status.h"
#include "../base/threads.h"

#include <pthread.h>
#include <stdio.h>

#include <stdint.h>
#include <stdlib.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <string.h>

#define VLEN ((int)(64 / sizeof(real)))   /* lanes of one 64-byte vector */
#define NR (2 * VLEN)                      /* columns of a micro-tile */
#define MR 12                              /* rows of a micro-tile */
#define KC 192
#define MC 96                              /* multiple of MR */
#define NC 512                             /* multiple of NR */


static inline real a_at(const real *a, int lda, int trans, int i, int p)
{
    return trans ? a[(size_t)p * lda + i] : a[(size_t)i * lda + p];
}

/* A[i0:i0+mc, p0:p0+kc] -> panels of MR rows, each stored k-major (kc x MR), zero-padded.
 * Only transposed A is packed (see the macro kernel); its MR values per k are contiguous. */
static void pack_a_trans(real *dst, const real *a, int lda, int i0, int mc, int p0, int kc)
{
    for (int ip = 0; ip < mc; ip += MR) {
        int rows = mc - ip < MR ? mc - ip : MR;
        for (int p = 0; p < kc; p++) {
            const real *src = a + (size_t)(p0 + p) * lda + i0 + ip;
            if (rows == MR) {
                for (int r = 0; r < MR; r++)
                    dst[r] = src[r];
            } else {
                for (int r = 0; r < MR; r++)
                    dst[r] = r < rows ? src[r] : 0;
            }
            dst += MR;
        }
    }
}

/* B[p0:p0+kc, j0:j0+nc] -> panels of NR columns, each stored k-major (kc x NR), zero-padded. */
static void pack_b_panel(real *dst, const real *b, int ldb, int trans, int p0, int kc, int j0, int cols)
{
    for (int p = 0; p < kc; p++) {
        if (!trans && cols == NR) {
            memcpy(dst, b + (size_t)(p0 + p) * ldb + j0, NR * sizeof(real));
        } else {
            for (int c = 0; c < cols; c++)
                dst[c] = trans ? b[(size_t)(j0 + c) * ldb + p0 + p] : b[(size_t)(p0 + p) * ldb + j0 + c];
            for (int c = cols; c < NR; c++)
                dst[c] = 0;
        }
        dst += NR;
    }
}

/* The integer as wide as `real`, for ReLU as a bit mask. */
#ifdef SENET_REAL_DOUBLE
typedef int64_t real_int;
#else
typedef int32_t real_int;
#endif

/* How a block's product goes into C: C = alpha*AB when overwrite, else
 * C += alpha*AB; then, on the last K block only, + bias per column and
 * ReLU (the fused epilogue of a convolution with BN folded in). */
typedef struct c_update {
    real alpha;
    int overwrite;
    const real *bias; /* at the block's first column; NULL: none */
    int relu;
} c_update;

/* One MR x NR tile, C (+)= alpha * sum_p a[p][0:MR] (outer) b[p][0:NR], computed in
 * slices of two vectors per row and blocks of `rb` rows so that the 2*rb
 * accumulators stay in registers (AVX-512: 12 rows, 24 of its 32 registers,
 * so each broadcast of A feeds two FMAs and each load of B twelve; AVX2
 * and the portable path: 6 rows).
 * A is read through strides: packed panels (rs 1, cs MR) or, when A is an
 * untransposed row-major matrix, straight from its rows (rs lda, cs 1), which
 * saves the copy that dominates when N is small (16-64 output channels).
 * A slice with no more than one vector of columns left uses one accumulator
 * per row, so a 16-channel layer does not compute 32. */
#define DEFINE_MACRO_KERNEL(name, attr, vtype, itype, width, rb)                                     \
    typedef real vtype __attribute__((vector_size((width) * sizeof(real)), aligned(4)));            \
    typedef real_int itype __attribute__((vector_size((width) * sizeof(real)), aligned(4)));        \
    attr static inline __attribute__((always_inline)) void name##_store(                             \
        real *cr, vtype x, int n, const c_update *u, const real *bias)                               \
    {                                                                                                \
        if (n == (width)) {                                                                          \
            x *= u->alpha;                                                                           \
            vtype t;                                                                                 \
            if (!u->overwrite) {                                                                     \
                memcpy(&t, cr, sizeof t);                                                            \
                x += t;                                                                              \
            }                                                                                        \
            if (bias) {                                                                              \
                memcpy(&t, bias, sizeof t);                                                          \
                x += t;                                                                              \
            }                                                                                        \
            if (u->relu) {                                                                           \
                itype keep = x > (vtype){0};                                                         \
                itype bits;                                                                          \
                memcpy(&bits, &x, sizeof bits);                                                      \
                bits &= keep;                                                                        \
                memcpy(&x, &bits, sizeof x);                                                         \
            }                                                                                        \
            memcpy(cr, &x, sizeof x);                                                                \
            return;                                                                                  \
        }                                                                                            \
        real tmp[width];                                                                             \
        memcpy(tmp, &x, sizeof x);                                                                   \
        for (int j = 0; j < n; j++) {                                                                \
            real v = u->alpha * tmp[j] + (u->overwrite ? 0 : cr[j]);                                 \
            if (bias)                                                                                \
                v += bias[j];                                                                        \
            if (u->relu)                                                                             \
                v = v > 0 ? v : 0;                                                                   \
            cr[j] = v;                                                                               \
        }                                                                                            \
    }                                                                                                \
    attr static inline __attribute__((always_inline)) void name##_slice(                             \
        int nrb, int nv, int kc, const real *a, int rs, int cs, const real *pb, int c0, real *c,     \
        int ldc, int rows, int cols, const c_update *u, const real *bias)                            \
    {                                                                                                \
        vtype acc[rb][2];                                                                            \
        for (int r = 0; r < nrb; r++)                                                                \
            acc[r][0] = acc[r][1] = (vtype){0};                                                      \
        for (int p = 0; p < kc; p++) {                                                               \
            vtype b[2];                                                                              \
            for (int v = 0; v < nv; v++)                                                             \
                memcpy(&b[v], pb + (size_t)p * NR + c0 + v * (width), sizeof b[v]);                  \
            for (int r = 0; r < nrb; r++) {                                                          \
                real av = a[(size_t)p * cs + (size_t)r * rs];                                        \
                for (int v = 0; v < nv; v++)                                                         \
                    acc[r][v] += av * b[v];                                                          \
            }                                                                                        \
        }                                                                                            \
        for (int r = 0; r < rows && r < nrb; r++)                                                    \
            for (int v = 0; v < nv; v++) {                                                           \
                int cb = c0 + v * (width), n = cols - cb < (width) ? cols - cb : (width);            \
                if (n > 0)                                                                           \
                    name##_store(c + (size_t)r * ldc + cb, acc[r][v], n, u, bias ? bias + cb : NULL); \
            }                                                                                        \
    }                                                                                                \
    attr static inline __attribute__((always_inline)) void name##_rows(                             \
        int nrb, int nv, int kc, const real *a, int rs, int cs, const real *pb, int c0, real *c,    \
        int ldc, int rows, int cols, const c_update *u, const real *bias)                           \
    {                                                                                               \
        if (nv == 2)                                                                                \
            name##_slice(nrb, 2, kc, a, rs, cs, pb, c0, c, ldc, rows, cols, u, bias);               \
        else                                                                                        \
            name##_slice(nrb, 1, kc, a, rs, cs, pb, c0, c, ldc, rows, cols, u, bias);               \
    }                                                                                               \
    attr static inline __attribute__((always_inline)) void name##_tile(                              \
        int kc, const real *a, int rs, int cs, const real *pb, real *c, int ldc, int rows, int cols, \
        const c_update *u, const real *bias)                                                         \
    {                                                                                                \
        /* Row blocks of rb, then rb/2 or rb/4 for a short last tile (49 pixels                     \
         * of a batch-1 7x7 map are 4 x 12 + 1: the last row should not cost 12). */                \
        for (int r0 = 0; r0 < rows;) {                                                              \
            const real *ar = a + (size_t)r0 * rs;                                                   \
            real *cr = c + (size_t)r0 * ldc;                                                        \
            int left = rows - r0;                                                                   \
            int nrb = left > (rb) / 2 ? (rb) : left > (rb) / 4 ? (rb) / 2 : ((rb) / 4 ? (rb) / 4 : 1);\
            for (int c0 = 0; c0 < cols; c0 += 2 * (width)) {                                        \
                int nv = cols - c0 <= (width) ? 1 : 2;                                              \
                if (nrb == (rb))                                                                    \
                    name##_rows((rb), nv, kc, ar, rs, cs, pb, c0, cr, ldc, left, cols, u, bias);    \
                else if (nrb == (rb) / 2)                                                           \
                    name##_rows((rb) / 2, nv, kc, ar, rs, cs, pb, c0, cr, ldc, left, cols, u, bias);\
                else                                                                                \
                    name##_rows(nrb, nv, kc, ar, rs, cs, pb, c0, cr, ldc, left, cols, u, bias);     \
            }                                                                                       \
            r0 += nrb;                                                                              \
        }                                                                                           \
    }                                                                                               \
    /* C[mc x nc] (+)= alpha * A * packedB over all micro-tiles of a block; A is                     \
     * packed panels when lda is 0, else rows of a row-major matrix (its last,                       \
     * short tile is copied to a zero-padded panel: rows past mc do not exist). */                   \
    attr static void name(int mc, int nc, int kc, const real *a, int lda, const real *pb, real *c,   \
                          int ldc, const c_update *u)                                                \
    {                                                                                                \
        for (int jr = 0; jr < nc; jr += NR) {                                                        \
            int cols = nc - jr < NR ? nc - jr : NR;                                                  \
            const real *bias = u->bias ? u->bias + jr : NULL;                                        \
            for (int ir = 0; ir < mc; ir += MR) {                                                    \
                int rows = mc - ir < MR ? mc - ir : MR;                                              \
                real *ct = c + (size_t)ir * ldc + jr;                                                \
                const real *pbt = pb + (size_t)jr * kc;                                              \
                if (!lda) {                                                                          \
                    name##_tile(kc, a + (size_t)ir * kc, 1, MR, pbt, ct, ldc, rows, cols, u, bias);  \
                } else if (rows == MR) {                                                             \
                    name##_tile(kc, a + (size_t)ir * lda, lda, 1, pbt, ct, ldc, rows, cols, u, bias); \
                } else {                                                                             \
                    real edge[KC * MR];                                                              \
                    for (int p = 0; p < kc; p++)                                                     \
                        for (int r = 0; r < MR; r++)                                                 \
                            edge[p * MR + r] = r < rows ? a[(size_t)(ir + r) * lda + p] : 0;         \
                    name##_tile(kc, edge, 1, MR, pbt, ct, ldc, rows, cols, u, bias);                 \
                }                                                                                    \
            }                                                                                        \
        }                                                                                            \
    }

typedef void (*macro_kernel_fn)(int, int, int, const real *, int, const real *, real *, int, const c_update *);

DEFINE_MACRO_KERNEL(macro_kernel_portable, , vec16, ivec16, 16 / (int)sizeof(real), 6)
#if defined(__x86_64__) && defined(__GNUC__)
DEFINE_MACRO_KERNEL(macro_kernel_avx2, __attribute__((target("avx2,fma"))), vec32, ivec32, 32 / (int)sizeof(real), 6)
DEFINE_MACRO_KERNEL(macro_kernel_avx512, __attribute__((target("avx512f,fma"))), vec64, ivec64, 64 / (int)sizeof(real), 12)
#endif

/* The micro-kernels this build has, best first. */
typedef struct isa_kernel {
    const char *name;
    macro_kernel_fn kernel;
} isa_kernel;
static const isa_kernel isa_kernels[] = {
#if defined(__x86_64__) && defined(__GNUC__)
    {"avx512", macro_kernel_avx512},
    {"avx2", macro_kernel_avx2},
#endif
    {"portable", macro_kernel_portable},
};
enum { NUM_ISAS = sizeof isa_kernels / sizeof isa_kernels[0] };

static const isa_kernel *chosen;
static pthread_once_t choose_once = PTHREAD_ONCE_INIT;
static char env_error[256]; /* why SENET_ISA could not be followed; "" when it was (or is unset) */

int gemm_isa_supported(const char *name)
{
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (strcmp(name, "avx512") == 0)
        return __builtin_cpu_supports("avx512f");
    if (strcmp(name, "avx2") == 0)
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    return strcmp(name, "portable") == 0;
}

static const isa_kernel *find_isa(const char *name)
{
    for (int i = 0; i < NUM_ISAS; i++)
        if (strcmp(isa_kernels[i].name, name) == 0)
            return &isa_kernels[i];
    return NULL;
}

/* The best kernel the CPU runs, or SENET_ISA's; an unknown or unsupported
 * SENET_ISA leaves the best one and a message for gemm_isa_check. */
static void choose_kernel(void)
{
    for (int i = 0; i < NUM_ISAS && !chosen; i++)
        if (gemm_isa_supported(isa_kernels[i].name))
            chosen = &isa_kernels[i];
    const char *force = getenv("SENET_ISA");
    if (!force || !*force)
        return;
    const isa_kernel *want = find_isa(force);
    if (!want)
        snprintf(env_error, sizeof env_error, "SENET_ISA=%s is not a micro-kernel of this build: choose %s%s%s",
                 force, isa_kernels[0].name, NUM_ISAS > 1 ? ", " : "", NUM_ISAS > 1 ? "avx2 or portable" : "");
    else if (!gemm_isa_supported(force))
        snprintf(env_error, sizeof env_error, "SENET_ISA=%s: this CPU does not have %s (the best it has is %s)", force,
                 force, chosen->name);
    else
        chosen = want;
}

const char *gemm_isa(void)
{
    pthread_once(&choose_once, choose_kernel);
    return chosen->name;
}

int gemm_isa_check(void)
{
    pthread_once(&choose_once, choose_kernel);
    return *env_error ? senet_fail(SENET_ERR_ARGUMENT, "%s", env_error) : SENET_OK;
}

int gemm_set_isa(const char *name)
{
    pthread_once(&choose_once, choose_kernel);
    const isa_kernel *want = name ? find_isa(name) : NULL;
    if (!want)
        return senet_fail(SENET_ERR_ARGUMENT, "'%s' is not a micro-kernel of this build", name ? name : "(null)");
    if (!gemm_isa_supported(name))
        return senet_fail(SENET_ERR_STATE, "this CPU does not have %s", name);
    chosen = want;
    return SENET_OK;
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
    size_t n_panels = ((size_t)(n > 0 ? n : 1) + NR - 1) / NR;
    return n_panels * NR * KC + (size_t)MC * KC;
}

/* The blocked product on `threads` threads (1: no parallel region, for
 * callers that are themselves one thread of a team). pb holds the packed B
 * panels, pa_all one MC x KC block of A per thread. */
static void gemm_blocked(int threads, int trans_a, int trans_b, int m, int n, int k, real alpha, const real *a,
                         int lda, const real *b, int ldb, int overwrite, real *c, int ldc, real *pb, real *pa_all)
{
    int n_panels = (n + NR - 1) / NR;
    int m_blocks = (m + MC - 1) / MC, n_blocks = (n + NC - 1) / NC;
    for (int p0 = 0; p0 < k; p0 += KC) {
        int kc = k - p0 < KC ? k - p0 : KC;
        c_update u = {alpha, overwrite && p0 == 0, NULL, 0}; /* the first K block writes C, the rest add */
#pragma omp parallel num_threads(threads) if (threads > 1)
        {
#pragma omp for schedule(static)
            for (int jp = 0; jp < n_panels; jp++) {
                int cols = n - jp * NR < NR ? n - jp * NR : NR;
                pack_b_panel(pb + (size_t)jp * NR * kc, b, ldb, trans_b, p0, kc, jp * NR, cols);
            }
#ifdef _OPENMP
            real *pa = pa_all + (size_t)omp_get_thread_num() * MC * KC;
#else
            real *pa = pa_all;
#endif
            int packed_block = -1;
#pragma omp for collapse(2) schedule(static)
            for (int ib = 0; ib < m_blocks; ib++) {
                for (int jb = 0; jb < n_blocks; jb++) {
                    int i0 = ib * MC, mc = m - i0 < MC ? m - i0 : MC;
                    int j0 = jb * NC, nc = n - j0 < NC ? n - j0 : NC;
                    real *cb = c + (size_t)i0 * ldc + j0;
                    const real *pbj = pb + (size_t)j0 * kc;
                    if (!trans_a) {
                        chosen->kernel(mc, nc, kc, a + (size_t)i0 * lda + p0, lda, pbj, cb, ldc, &u);
                        continue;
                    }
                    if (packed_block != ib) {
                        pack_a_trans(pa, a, lda, i0, mc, p0, kc);
                        packed_block = ib;
                    }
                    chosen->kernel(mc, nc, kc, pa, 0, pbj, cb, ldc, &u);
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
    pthread_once(&choose_once, choose_kernel);
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
    int n_panels = (n + NR - 1) / NR;
    int threads = threads_get();
    size_t pb_size = (size_t)n_panels * NR * KC;
    real *pb = scratch_get(SCRATCH_GEMM, (pb_size + (size_t)threads * MC * KC) * sizeof(real));
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
    size_t n_panels = ((size_t)n + NR - 1) / NR;
    gemm_blocked(1, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, overwrite, c, ldc, workspace,
                 workspace + n_panels * NR * KC);
}

size_t gemm_packed_b_size(int n, int k)
{
    size_t n_panels = ((size_t)(n > 0 ? n : 1) + NR - 1) / NR;
    return n_panels * NR * (size_t)(k > 0 ? k : 1);
}

/* K block p0 of the packed B starts at p0 * n_panels * NR: the blocks
 * before it are KC deep and n_panels * NR wide. */
void gemm_pack_b_columns(real *dst, int trans_b, int n, int k, int j_begin, int j_end, const real *b, int ldb)
{
    int n_panels = (n + NR - 1) / NR;
    for (int p0 = 0; p0 < k; p0 += KC) {
        int kc = k - p0 < KC ? k - p0 : KC;
        for (int jp = j_begin / NR; jp * NR < j_end; jp++) {
            int cols = j_end - jp * NR < NR ? j_end - jp * NR : NR;
            pack_b_panel(dst + (size_t)p0 * n_panels * NR + (size_t)jp * NR * kc, b, ldb, trans_b, p0, kc,
                         jp * NR - j_begin, cols);
        }
    }
}

void gemm_pack_b(real *dst, int trans_b, int n, int k, const real *b, int ldb)
{
    gemm_pack_b_columns(dst, trans_b, n, k, 0, n, b, ldb);
}

int gemm_b_panel_width(void) { return NR; }

/* With B packed beforehand there is no shared packing step, so one parallel
 * region covers the whole product: each thread owns whole C blocks and runs
 * all K blocks of them. */
void gemm_packed(int threads, int m, int n, int k, const real *a, int lda, const real *packed_b, real *c, int ldc,
                 const gemm_epilogue *epi)
{
    if (m <= 0 || n <= 0)
        return;
    pthread_once(&choose_once, choose_kernel);
    if (k <= 0) {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                real *cij = c + (size_t)i * ldc + j;
                real v = (epi && epi->accumulate ? *cij : 0) + (epi && epi->bias ? epi->bias[j] : 0);
                *cij = epi && epi->relu && v < 0 ? 0 : v;
            }
        return;
    }
    int n_panels = (n + NR - 1) / NR;
    /* Row blocks of equal size (in whole micro-tiles) rather than MC and a
     * remainder: 196 rows of a 14x14 map were 96 + 96 + 4, and the thread
     * that drew the 4-row blocks idled (1.54x on 2 threads instead of 1.9x). */
    int m_blocks = (m + MC - 1) / MC;
    int mc_step = ((m + m_blocks - 1) / m_blocks + MR - 1) / MR * MR;
    m_blocks = (m + mc_step - 1) / mc_step;
    /* Column blocks narrower than NC when there are too few blocks to keep
     * every thread busy (batch 1: 49 pixels x 512 channels is one block). */
    int nc_step = NC;
    while (threads > 1 && nc_step > NR && (long long)m_blocks * ((n + nc_step - 1) / nc_step) < 4LL * threads)
        nc_step /= 2;
    int n_blocks = (n + nc_step - 1) / nc_step;
    /* Dynamic: the blocks still differ (the last row and column blocks are
     * short), and which thread computes a block does not change its sums. */
#pragma omp parallel for collapse(2) schedule(dynamic) num_threads(threads) if (threads > 1)
    for (int ib = 0; ib < m_blocks; ib++) {
        for (int jb = 0; jb < n_blocks; jb++) {
            int i0 = ib * mc_step, mc = m - i0 < mc_step ? m - i0 : mc_step;
            int j0 = jb * nc_step, nc = n - j0 < nc_step ? n - j0 : nc_step;
            for (int p0 = 0; p0 < k; p0 += KC) {
                int kc = k - p0 < KC ? k - p0 : KC, last = p0 + kc == k;
                c_update u = {1, p0 == 0 && !(epi && epi->accumulate), last && epi && epi->bias ? epi->bias + j0 : NULL,
                              last && epi && epi->relu};
                chosen->kernel(mc, nc, kc, a + (size_t)i0 * lda + p0, lda,
                              packed_b + (size_t)p0 * n_panels * NR + (size_t)j0 * kc, c + (size_t)i0 * ldc + j0, ldc,
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
