/* Direct convolution for narrow groups (ResNeXt's 32x4d, SENet-154's 64
 * groups): as a GEMM per group, a group of 4 output channels fills 4 of the
 * 16 lanes of an AVX-512 register and pays an im2col and a product call per
 * group. Here one register holds 16 consecutive output channels, i.e.
 * 16/og whole groups, whose inputs are (16/og)*cg consecutive channels of
 * one NHWC pixel. For input index i of the group, a permute spreads input
 * channel (group*cg + i) over that group's og lanes; one FMA with the
 * weights w[:, i, kh, kw] of the 16 channels then advances all of them.
 * Groups of 16 or more output channels (a multiple of 16) fill registers
 * on their own: input i of the group is broadcast from memory instead.
 * Eight output pixels share each weight vector.
 *
 * Packed weights: (C_out/16, KH*KW, cg, 16), lane = output channel within
 * the block, scaled per output channel (a folded batch norm). */
#include "conv2d_grouped.h"

#include "../base/threads.h"
#include "../kernels/gemm.h"

#include <string.h>

#define LANES 16
#define PIXELS 8   /* output pixels per register block */
#define MAX_TAPS 49 /* kernels up to 7x7 */
#define MAX_C_IN 2048 /* the zero pixel that padding taps read */

int conv2d_grouped_direct(const conv2d_shape *s)
{
#if defined(__x86_64__) && defined(__GNUC__) && !defined(SENET_REAL_DOUBLE)
    if (s->groups <= 1 || strcmp(gemm_isa(), "avx512") != 0)
        return 0;
    int cg = s->c_in / s->groups, og = s->c_out / s->groups;
    /* whole groups per register with their inputs within one register, or
     * whole registers per group */
    int spread = og <= LANES && LANES % og == 0 && cg * (LANES / og) <= LANES;
    return (spread || og % LANES == 0) && s->c_out % LANES == 0 && s->kh * s->kw <= MAX_TAPS &&
           s->c_in <= MAX_C_IN;
#else
    (void)s;
    return 0;
#endif
}

size_t conv2d_grouped_packed_size(const conv2d_shape *s)
{
    return (size_t)s->c_out * s->kh * s->kw * (s->c_in / s->groups);
}

void conv2d_grouped_pack(real *packed, const real *weight, const real *scale, const conv2d_shape *s)
{
    int cg = s->c_in / s->groups, taps = s->kh * s->kw;
    for (int c = 0; c < s->c_out; c++) {
        real k = scale ? scale[c] : 1;
        real *block = packed + (size_t)(c / LANES) * taps * cg * LANES;
        for (int i = 0; i < cg; i++)
            for (int t = 0; t < taps; t++)
                block[((size_t)t * cg + i) * LANES + c % LANES] = weight[((size_t)c * cg + i) * taps + t] * k;
    }
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(SENET_REAL_DOUBLE)
#include <immintrin.h>

#define AVX512 __attribute__((target("avx512f")))

/* out[j][c0:c0+16] for np (1 or PIXELS) pixels; np is a compile-time
 * constant at each call so that the accumulators stay in registers.
 * at[t * PIXELS + j]: where pixel j reads tap t (channel 0 of its input
 * pixel, or of a zero pixel in the padding). broadcast (also a constant):
 * whole registers per group, inputs broadcast from memory; else spread by
 * permutes. */
static inline __attribute__((always_inline)) AVX512 void block_kernel(
    real *const *out, const real *const *at, int np, int broadcast, int c0, const real *w_block,
    const __m512 *spread, __mmask16 in_mask, const real *bias, int relu, const conv2d_shape *s)
{
    int cg = s->c_in / s->groups, og = s->c_out / s->groups, taps = s->kh * s->kw;
    int cin0 = c0 / og * cg; /* first input channel of the block's groups */
    __m512 acc[PIXELS];
    for (int j = 0; j < np; j++)
        acc[j] = _mm512_setzero_ps();
    const real *w_tap = w_block;
    for (int t = 0; t < taps; t++, w_tap += cg * LANES) {
        const real *const *src = at + t * PIXELS;
        if (broadcast) {
            for (int i = 0; i < cg; i++) {
                __m512 wv = _mm512_loadu_ps(w_tap + i * LANES);
                for (int j = 0; j < np; j++)
                    acc[j] = _mm512_fmadd_ps(_mm512_set1_ps(src[j][cin0 + i]), wv, acc[j]);
            }
            continue;
        }
        __m512 x[PIXELS];
        for (int j = 0; j < np; j++)
            x[j] = _mm512_maskz_loadu_ps(in_mask, src[j] + cin0);
        for (int i = 0; i < cg; i++) {
            __m512 wv = _mm512_loadu_ps(w_tap + i * LANES);
            __m512i to = _mm512_castps_si512(spread[i]);
            for (int j = 0; j < np; j++)
                acc[j] = _mm512_fmadd_ps(_mm512_permutexvar_ps(to, x[j]), wv, acc[j]);
        }
    }
    __m512 b = bias ? _mm512_loadu_ps(bias + c0) : _mm512_setzero_ps();
    for (int j = 0; j < np; j++) {
        __m512 y = _mm512_add_ps(acc[j], b);
        if (relu)
            y = _mm512_max_ps(y, _mm512_setzero_ps());
        _mm512_storeu_ps(out[j] + c0, y);
    }
}

/* Output pixels [first, first + np) of the whole batch (flat over n, oh, ow). */
static AVX512 void pixels_forward(real *out, const real *in, int first, int np, const real *packed,
                                  const real *bias, int relu, const conv2d_shape *s)
{
    int cg = s->c_in / s->groups, og = s->c_out / s->groups, taps = s->kh * s->kw;
    int per_image = s->h_out * s->w_out;
    /* spread[i] lane L = the register position of input i of lane L's group */
    static const real zero_pixel[MAX_C_IN];
    int broadcast = og % LANES == 0;
    __m512 spread[LANES];
    for (int i = 0; i < cg && !broadcast; i++) {
        int idx[LANES];
        for (int lane = 0; lane < LANES; lane++)
            idx[lane] = lane / og * cg + i;
        spread[i] = _mm512_castsi512_ps(_mm512_loadu_si512(idx));
    }
    __mmask16 in_mask = broadcast ? 0 : (__mmask16)((1u << (cg * (LANES / og))) - 1);
    const real *at[MAX_TAPS * PIXELS];
    real *dst[PIXELS];
    for (int j = 0; j < np; j++) {
        int p = first + j, img = p / per_image, oh = p % per_image / s->w_out, ow = p % s->w_out;
        const real *image = in + (size_t)img * s->h * s->w * s->c_in;
        for (int t = 0; t < taps; t++) {
            int ih = oh * s->stride - s->pad + t / s->kw, iw = ow * s->stride - s->pad + t % s->kw;
            int inside = (unsigned)ih < (unsigned)s->h && (unsigned)iw < (unsigned)s->w;
            at[t * PIXELS + j] = inside ? image + ((size_t)ih * s->w + iw) * s->c_in : zero_pixel;
        }
        dst[j] = out + (size_t)p * s->c_out;
    }
    for (int c0 = 0; c0 < s->c_out; c0 += LANES) {
        const real *w_block = packed + (size_t)(c0 / LANES) * taps * cg * LANES;
        if (np == PIXELS && broadcast)
            block_kernel(dst, at, PIXELS, 1, c0, w_block, spread, in_mask, bias, relu, s);
        else if (np == PIXELS)
            block_kernel(dst, at, PIXELS, 0, c0, w_block, spread, in_mask, bias, relu, s);
        else
            for (int j = 0; j < np; j++)
                block_kernel(dst + j, at + j, 1, broadcast, c0, w_block, spread, in_mask, bias, relu, s);
    }
}

void conv2d_grouped_forward(real *out, const real *in, const real *packed, const real *bias, int relu,
                            const conv2d_shape *s)
{
    int total = s->n * s->h_out * s->w_out, blocks = (total + PIXELS - 1) / PIXELS;
    int threads = threads_get();
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && blocks > 1)
    for (int b = 0; b < blocks; b++) {
        int first = b * PIXELS, np = total - first < PIXELS ? total - first : PIXELS;
        pixels_forward(out, in, first, np, packed, bias, relu, s);
    }
}
#else
void conv2d_grouped_forward(real *out, const real *in, const real *packed, const real *bias, int relu,
                            const conv2d_shape *s)
{
    (void)out, (void)in, (void)packed, (void)bias, (void)relu, (void)s; /* never chosen: see conv2d_grouped_direct */
}
#endif
