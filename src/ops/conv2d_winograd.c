/* Winograd F(2x2, 3x3) for 3x3 stride-1 convolutions (Lavin & Gray 2016):
 * each 2x2 block of outputs comes from a 4x4 input tile with 16 products
 * per channel pair instead of 36, 2.25x fewer multiply-adds. The
 * transforms only add and halve, so the results stay as accurate as the
 * direct sum in fp32.
 *
 *   U = G g G^T (weights, once per packing), V = B^T d B (input tiles),
 *   M[xi] = V[xi] U[xi] for the 16 positions xi of the 4x4 tile (16 GEMMs),
 *   Y = A^T M A (+ bias, ReLU).
 *
 * Tiles are taken in chunks of CHUNK across the whole batch. With many
 * chunks (a batch of images) each thread takes whole chunks; with few
 * (batch 1) the threads of one team share each chunk: they take its tiles
 * for the transforms and its 16 products as they come free, with a barrier
 * between the stages. Either way a tile's sums do not depend on the thread
 * count or on which thread did them. */
#include "conv2d_winograd.h"

#include "../base/scratch.h"
#include "../base/threads.h"
#include "../kernels/gemm.h"
#include "../kernels/isa.h"

#include <string.h>

#define CHUNK 96        /* tiles per chunk: a multiple of the GEMM's 12-row tiles */
#define POINTS 16       /* positions of a 4x4 tile */
#define MAX_C_IN 4096   /* the zero pixel that padding reads */

static size_t round_up16(size_t x) { return (x + 15) & ~(size_t)15; }

int conv2d_winograd_applies(const conv2d_shape *s)
{
    return s->kh == 3 && s->kw == 3 && s->stride == 1 && s->groups == 1 && s->c_in >= 16 && s->c_out >= 16 &&
           s->c_in <= MAX_C_IN;
}

static size_t point_size(const conv2d_shape *s) { return round_up16(gemm_packed_b_size(s->c_out, s->c_in)); }

size_t conv2d_winograd_packed_size(const conv2d_shape *s) { return POINTS * point_size(s); }

/* The packing of conv2d_winograd_pack; with `transposed` the weights are
 * those of the layer whose data gradient s is: (C_in, C_out, 3, 3) of s,
 * each kernel turned by 180 degrees. */
static int pack_kernels(real *packed, const real *weight, const real *scale, const conv2d_shape *s, int transposed)
{
    size_t per_point = (size_t)s->c_out * s->c_in;
    real *u = scratch_get(SCRATCH_CONV, POINTS * per_point * sizeof(real)); /* (16, C_out, C_in) */
    if (!u)
        return -1;
    for (int o = 0; o < s->c_out; o++) {
        real k = scale ? scale[o] : 1;
        for (int i = 0; i < s->c_in; i++) {
            const real *g = weight + ((size_t)o * s->c_in + i) * 9;
            real turned[9];
            if (transposed) {
                const real *w = weight + ((size_t)i * s->c_out + o) * 9;
                for (int tap = 0; tap < 9; tap++)
                    turned[tap] = w[8 - tap];
                g = turned;
            }
            real gg[4][3]; /* G g */
            for (int c = 0; c < 3; c++) {
                gg[0][c] = g[c];
                gg[1][c] = (g[c] + g[3 + c] + g[6 + c]) / 2;
                gg[2][c] = (g[c] - g[3 + c] + g[6 + c]) / 2;
                gg[3][c] = g[6 + c];
            }
            for (int r = 0; r < 4; r++) { /* (G g) G^T */
                real row[4] = {gg[r][0], (gg[r][0] + gg[r][1] + gg[r][2]) / 2, (gg[r][0] - gg[r][1] + gg[r][2]) / 2,
                               gg[r][2]};
                for (int c = 0; c < 4; c++)
                    u[(size_t)(r * 4 + c) * per_point + (size_t)o * s->c_in + i] = row[c] * k;
            }
        }
    }
    for (int xi = 0; xi < POINTS; xi++)
        gemm_pack_b(packed + xi * point_size(s), 1, s->c_out, s->c_in, u + xi * per_point, s->c_in);
    return 0;
}

int conv2d_winograd_pack(real *packed, const real *weight, const real *scale, const conv2d_shape *s)
{
    return pack_kernels(packed, weight, scale, s, 0);
}

/* Tile geometry: tile t of the batch covers outputs (2ty..2ty+1, 2tx..2tx+1)
 * of image img and reads inputs from (2ty - pad, 2tx - pad), 4x4. */
typedef struct tiling {
    int rows, cols, per_image; /* tiles down, across, per image */
} tiling;

static tiling tiling_of(const conv2d_shape *s)
{
    tiling g = {(s->h_out + 1) / 2, (s->w_out + 1) / 2, 0};
    g.per_image = g.rows * g.cols;
    return g;
}

/* V rows of tile `tile` of the batch: v[xi * v_stride + c]. */
static void input_tile(real *v, size_t v_stride, const real *in, int tile, const tiling *g, const real *zero,
                       const conv2d_shape *s, const kernel_table *f)
{
    int img = tile / g->per_image, ty = tile % g->per_image / g->cols, tx = tile % g->cols;
    const real *image = in + (size_t)img * s->h * s->w * s->c_in;
    const real *d[POINTS];
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++) {
            int ih = 2 * ty - s->pad + r, iw = 2 * tx - s->pad + c;
            int inside = (unsigned)ih < (unsigned)s->h && (unsigned)iw < (unsigned)s->w;
            d[r * 4 + c] = inside ? image + ((size_t)ih * s->w + iw) * s->c_in : zero;
        }
    f->winograd_input(v, v_stride, d, s->c_in);
}

/* The outputs of tile `tile` from its M rows m[xi * m_stride + c]. */
static void output_tile(real *out, const real *m, size_t m_stride, int tile, const tiling *g, const real *bias,
                        int relu, int accumulate, const conv2d_shape *s, const kernel_table *f)
{
    int img = tile / g->per_image, ty = tile % g->per_image / g->cols, tx = tile % g->cols;
    real *y[4];
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
            int oh = 2 * ty + i, ow = 2 * tx + j;
            y[i * 2 + j] = oh < s->h_out && ow < s->w_out
                               ? out + (((size_t)img * s->h_out + oh) * s->w_out + ow) * s->c_out
                               : NULL;
        }
    f->winograd_output(y, m, m_stride, bias, relu, accumulate, s->c_out);
}

/* One chunk of `count` tiles from tile `first`: V (16, count, C_in) in v,
 * M (16, count, C_out) in m. */
typedef struct chunk_job {
    real *out, *v, *m;
    size_t v_stride, m_stride;
    int first, count;
    const real *in, *packed, *bias, *zero;
    int relu, accumulate;
    const tiling *g;
    const conv2d_shape *s;
    const kernel_table *f;
} chunk_job;

static void chunk_input(const chunk_job *j, int t)
{
    input_tile(j->v + (size_t)t * j->s->c_in, j->v_stride, j->in, j->first + t, j->g, j->zero, j->s, j->f);
}

static void chunk_product(const chunk_job *j, int xi)
{
    const conv2d_shape *s = j->s;
    gemm_packed(1, j->count, s->c_out, s->c_in, j->v + xi * j->v_stride, s->c_in, j->packed + xi * point_size(s),
                j->m + xi * j->m_stride, s->c_out, NULL);
}

static void chunk_output(const chunk_job *j, int t)
{
    output_tile(j->out, j->m + (size_t)t * j->s->c_out, j->m_stride, j->first + t, j->g, j->bias, j->relu,
                j->accumulate, j->s, j->f);
}

/* Tiles a thread takes at a time from a shared chunk. */
#define SHARED_TILES 8

/* The calling thread does the whole chunk. */
static void chunk_alone(const chunk_job *j)
{
    for (int t = 0; t < j->count; t++)
        chunk_input(j, t);
    for (int xi = 0; xi < POINTS; xi++)
        chunk_product(j, xi);
    for (int t = 0; t < j->count; t++)
        chunk_output(j, t);
}

/* The threads of the enclosing team share the chunk: they take its tiles
 * and products as they come free, so that a thread the machine slows down
 * takes fewer (a fixed split waited for it at every stage), with the
 * worksharing loops' barriers between the stages. M is rewritten by the
 * next chunk only after its first stage's barrier. */
static void chunk_shared(const chunk_job *j)
{
#pragma omp for schedule(dynamic, SHARED_TILES)
    for (int t = 0; t < j->count; t++)
        chunk_input(j, t);
#pragma omp for schedule(dynamic, 1)
    for (int xi = 0; xi < POINTS; xi++)
        chunk_product(j, xi);
#pragma omp for schedule(dynamic, SHARED_TILES)
    for (int t = 0; t < j->count; t++)
        chunk_output(j, t);
}

/* Chunks per thread from which each thread takes whole chunks of its own
 * (no barriers, each thread its own V and M) instead of sharing every
 * chunk: at a training batch there are hundreds, and the two barriers per
 * shared chunk cost more than the work of its 16 small products. */
#define OWN_CHUNKS_PER_THREAD 4

/* out = conv(in, packed) + bias, ReLU; or out += conv(in, packed). */
static int run(real *out, const real *in, const real *packed, const real *bias, int relu, int accumulate,
               const conv2d_shape *s)
{
    static const real zero_pixel[MAX_C_IN];
    tiling g = tiling_of(s);
    int tiles = s->n * g.per_image, threads = threads_get();
    int chunks = (tiles + CHUNK - 1) / CHUNK;
    int own = threads > 1 && chunks >= OWN_CHUNKS_PER_THREAD * threads;
    /* Chunks of equal size, and as many for each thread when they own them:
     * 784 tiles (56x56) in 96s made 8 full chunks and 16 tiles, and the
     * thread that drew 5 of the 9 set the pace (1.66x on 2 threads). */
    if (own)
        chunks = (chunks + threads - 1) / threads * threads;
    int chunk = (tiles + chunks - 1) / chunks;
    chunks = (tiles + chunk - 1) / chunk;
    size_t v_stride = (size_t)chunk * s->c_in, m_stride = (size_t)chunk * s->c_out;
    size_t each = POINTS * (v_stride + m_stride); /* V (16, chunk, C_in) then M (16, chunk, C_out) */
    real *v = scratch_get(SCRATCH_CONV, (own ? threads : 1) * each * sizeof(real));
    if (!v)
        return -1;
    const kernel_table *f = isa_kernels();
#pragma omp parallel num_threads(threads) if (threads > 1)
    {
        chunk_job j = {out, v, v + POINTS * v_stride, v_stride, m_stride, 0, 0, in, packed, bias, zero_pixel,
                       relu, accumulate, &g, s, f};
        if (own) {
            j.v = v + (size_t)threads_index() * each, j.m = j.v + POINTS * v_stride;
#pragma omp for schedule(static)
            for (int c = 0; c < chunks; c++) {
                j.first = c * chunk, j.count = tiles - j.first < chunk ? tiles - j.first : chunk;
                chunk_alone(&j);
            }
        } else {
            for (j.first = 0; j.first < tiles; j.first += chunk) {
                j.count = tiles - j.first < chunk ? tiles - j.first : chunk;
                chunk_shared(&j);
            }
        }
    }
    return 0;
}

int conv2d_winograd_forward(real *out, const real *in, const real *packed, const real *bias, int relu,
                            const conv2d_shape *s)
{
    return run(out, in, packed, bias, relu, 0, s);
}

/* The data gradient of a stride-1 3x3 layer is the convolution of the
 * output gradient with the kernels transposed and turned, padded 2 - pad:
 * a Winograd shape itself when both channel counts are. */
static conv2d_shape transposed_shape(const conv2d_shape *s)
{
    conv2d_shape t = {s->n, s->h_out, s->w_out, s->c_out, s->c_in, 3, 3, 1, 2 - s->pad, 1, s->h, s->w};
    return t;
}

int conv2d_winograd_backward_data_applies(const conv2d_shape *s)
{
    conv2d_shape t = transposed_shape(s);
    return conv2d_winograd_applies(s) && s->pad <= 2 && conv2d_winograd_applies(&t);
}

int conv2d_winograd_backward_data(real *d_in, const real *d_out, const real *weight, const conv2d_shape *s)
{
    conv2d_shape t = transposed_shape(s);
    real *packed = scratch_get(SCRATCH_PACKED, conv2d_winograd_packed_size(&t) * sizeof(real));
    if (!packed || pack_kernels(packed, weight, NULL, &t, 1))
        return -1;
    return run(d_in, d_out, packed, NULL, 0, 1, &t);
}
