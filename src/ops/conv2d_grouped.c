/* Direct convolution for narrow groups (ResNeXt's 32x4d, SENet-154's 64
 * groups): as a GEMM per group, a group of 4 output channels fills 4 of the
 * 16 lanes of an AVX-512 register and pays an im2col and a product call per
 * group. The kernel table's grouped kernel (kernels/grouped_avx512.inc)
 * instead holds 16 consecutive output channels, whole groups, per register;
 * this file packs for it and splits the pixels over threads.
 *
 * Packed weights: (C_out/16, KH*KW, cg, 16), lane = output channel within
 * the block, scaled per output channel (a folded batch norm). */
#include "conv2d_grouped.h"

#include "../base/threads.h"
#include "../kernels/isa.h"


#define LANES GROUPED_LANES
#define PIXELS GROUPED_PIXELS
#define MAX_TAPS GROUPED_MAX_TAPS /* kernels up to 7x7 */
#define MAX_C_IN GROUPED_MAX_C_IN /* the zero pixel that padding taps read */

int conv2d_grouped_direct(const conv2d_shape *s)
{
    if (s->groups <= 1 || !isa_kernels()->grouped_pixels)
        return 0;
    int cg = s->c_in / s->groups, og = s->c_out / s->groups;
    /* whole groups per register with their inputs within one register, or
     * whole registers per group */
    int spread = og <= LANES && LANES % og == 0 && cg * (LANES / og) <= LANES;
    return (spread || og % LANES == 0) && s->c_out % LANES == 0 && s->kh * s->kw <= MAX_TAPS &&
           s->c_in <= MAX_C_IN;
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

void conv2d_grouped_forward(real *out, const real *in, const real *packed, const real *bias, int relu,
                            const conv2d_shape *s)
{
    int total = s->n * s->h_out * s->w_out, blocks = (total + PIXELS - 1) / PIXELS;
    int threads = threads_get();
    grouped_pixels_fn grouped = isa_kernels()->grouped_pixels;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && blocks > 1)
    for (int b = 0; b < blocks; b++) {
        int first = b * PIXELS, np = total - first < PIXELS ? total - first : PIXELS;
        grouped(out, in, first, np, packed, bias, relu, s);
    }
}
