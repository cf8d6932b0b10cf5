/* dW (C_out, K) += d_out^T (C_out, P) col (P, K) with the rows of col, the
 * im2col matrix (K in (kh, kw, c) order), read from a zero-padded copy of
 * the input instead of being written out and packed: at 16-64 channels
 * that matrix and its packing for the GEMM moved more memory than the
 * product computed (se_resnet20's 16-channel layers ran at 30% of the FMA
 * peak).
 *
 * A block of 8 output channels by up to 3 vectors of K stays in registers
 * over all pixels: per pixel, 8 broadcasts of d_out and up to 3 vector
 * loads of the input feed up to 24 FMAs. A vector never straddles two taps:
 * C_in is a multiple of 16 lanes. */
#include "conv2d_wgrad.h"
#include "conv2d_direct.h"

#include "../kernels/isa.h"

#include <stddef.h>

int conv2d_wgrad_direct_applies(const conv2d_shape *s)
{
    int pointwise = s->kh == 1 && s->kw == 1 && s->stride == 1 && s->pad == 0;
    return s->groups == 1 && s->c_in % 16 == 0 && s->c_out % WGRAD_ROWS == 0 && !pointwise;
}

static size_t padded_image(const conv2d_shape *s)
{
    return (size_t)(s->h + 2 * s->pad) * (size_t)(s->w + 2 * s->pad) * (size_t)s->c_in;
}

size_t conv2d_wgrad_direct_scratch(const conv2d_shape *s, int count) { return (size_t)count * padded_image(s); }

void conv2d_wgrad_direct(real *dw, const real *d_out, const real *img, int count, const conv2d_shape *s,
                         real *padded)
{
    size_t wp = (size_t)s->w + 2 * (size_t)s->pad, image = padded_image(s);
    for (int i = 0; i < count; i++) /* padded (count, H + 2 pad, W + 2 pad, C_in) */
        conv2d_pad_image(padded + i * image, img + (size_t)i * s->h * s->w * s->c_in, s);
    wgrad_walk g = {count, s->h_out, s->w_out, s->c_out, image, (size_t)s->stride * wp * s->c_in,
              (size_t)s->stride * s->c_in};
    const kernel_table *kt = isa_kernels();
    int width = kt->lanes, k = s->kh * s->kw * s->c_in;
    wgrad_block_fn block = kt->wgrad_block;
    for (int o0 = 0; o0 < s->c_out; o0 += WGRAD_ROWS)
        for (int k0 = 0; k0 < k; k0 += WGRAD_MAX_VECS * width) {
            int nv = (k - k0) / width < WGRAD_MAX_VECS ? (k - k0) / width : WGRAD_MAX_VECS;
            ptrdiff_t off[WGRAD_MAX_VECS];
            for (int v = 0; v < nv; v++) {
                int kv = k0 + v * width, tap = kv / s->c_in;
                off[v] = ((ptrdiff_t)(tap / s->kw) * (ptrdiff_t)wp + tap % s->kw) * s->c_in + kv % s->c_in;
            }
            block(nv, dw + (size_t)o0 * k + k0, (size_t)k, d_out + o0, padded, off, &g);
        }
}
