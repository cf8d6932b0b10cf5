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

#include "../kernels/gemm.h"

#include <stddef.h>
#include <string.h>

#define ROWS 8       /* output channels per block */
#define MAX_VECS 3   /* vectors of K per block */

int conv2d_wgrad_direct_applies(const conv2d_shape *s)
{
    int pointwise = s->kh == 1 && s->kw == 1 && s->stride == 1 && s->pad == 0;
    return s->groups == 1 && s->c_in % 16 == 0 && s->c_out % ROWS == 0 && !pointwise;
}

static size_t padded_image(const conv2d_shape *s)
{
    return (size_t)(s->h + 2 * s->pad) * (size_t)(s->w + 2 * s->pad) * (size_t)s->c_in;
}

size_t conv2d_wgrad_direct_scratch(const conv2d_shape *s, int count) { return (size_t)count * padded_image(s); }

/* How a block walks the pixels: the first tap of output pixel (oh, ow) of
 * image i is at padded + i * image + oh * row_step + ow * pixel_step. */
typedef struct walk {
    int count, h_out, w_out, c_out;
    size_t image, row_step, pixel_step;
} walk;

/* dw rows o0..o0+7 (d_out starts at column o0), columns k0..k0+nv*width;
 * off[v]: where vector v of a pixel's K-row lies from its first tap. */
#define DEFINE_WGRAD(name, attr, vtype, width)                                                                   \
    typedef real vtype __attribute__((vector_size((width) * sizeof(real)), aligned(4)));                        \
    attr static inline __attribute__((always_inline)) void name##_block(                                         \
        int nv, real *dw, size_t ldw, const real *d_out, const real *padded, const ptrdiff_t *off, const walk *g) \
    {                                                                                                            \
        vtype acc[ROWS][MAX_VECS];                                                                               \
        for (int r = 0; r < ROWS; r++)                                                                           \
            for (int v = 0; v < nv; v++)                                                                         \
                acc[r][v] = (vtype){0};                                                                          \
        for (int i = 0; i < g->count; i++) {                                                                     \
            const real *a = d_out + (size_t)i * g->h_out * g->w_out * g->c_out;                                  \
            for (int oh = 0; oh < g->h_out; oh++) {                                                              \
                const real *q = padded + i * g->image + oh * g->row_step;                                        \
                for (int ow = 0; ow < g->w_out; ow++, a += g->c_out, q += g->pixel_step) {                       \
                    vtype b[MAX_VECS];                                                                           \
                    for (int v = 0; v < nv; v++)                                                                 \
                        memcpy(&b[v], q + off[v], sizeof b[v]);                                                  \
                    for (int r = 0; r < ROWS; r++)                                                               \
                        for (int v = 0; v < nv; v++)                                                             \
                            acc[r][v] += a[r] * b[v];                                                            \
                }                                                                                                \
            }                                                                                                    \
        }                                                                                                        \
        for (int r = 0; r < ROWS; r++)                                                                           \
            for (int v = 0; v < nv; v++) {                                                                       \
                vtype t;                                                                                         \
                memcpy(&t, dw + r * ldw + v * (width), sizeof t);                                               \
                t += acc[r][v];                                                                                  \
                memcpy(dw + r * ldw + v * (width), &t, sizeof t);                                                \
            }                                                                                                    \
    }                                                                                                            \
    attr static void name(int nv, real *dw, size_t ldw, const real *d_out, const real *padded,                   \
                          const ptrdiff_t *off, const walk *g)                                                   \
    {                                                                                                            \
        if (nv == 3)                                                                                             \
            name##_block(3, dw, ldw, d_out, padded, off, g);                                                     \
        else if (nv == 2)                                                                                        \
            name##_block(2, dw, ldw, d_out, padded, off, g);                                                     \
        else                                                                                                     \
            name##_block(1, dw, ldw, d_out, padded, off, g);                                                     \
    }

typedef void (*block_fn)(int, real *, size_t, const real *, const real *, const ptrdiff_t *, const walk *);

DEFINE_WGRAD(wgrad_portable, , wvec16, 16 / (int)sizeof(real))
#if defined(__x86_64__) && defined(__GNUC__)
DEFINE_WGRAD(wgrad_avx2, __attribute__((target("avx2,fma"))), wvec32, 32 / (int)sizeof(real))
DEFINE_WGRAD(wgrad_avx512, __attribute__((target("avx512f,fma"))), wvec64, 64 / (int)sizeof(real))
#endif

/* The block kernel of the GEMM's instruction set, and its lanes. */
static block_fn block_for_isa(int *width)
{
#if defined(__x86_64__) && defined(__GNUC__)
    const char *isa = gemm_isa();
    if (strcmp(isa, "avx512") == 0) {
        *width = 64 / (int)sizeof(real);
        return wgrad_avx512;
    }
    if (strcmp(isa, "avx2") == 0) {
        *width = 32 / (int)sizeof(real);
        return wgrad_avx2;
    }
#endif
    *width = 16 / (int)sizeof(real);
    return wgrad_portable;
}

void conv2d_wgrad_direct(real *dw, const real *d_out, const real *img, int count, const conv2d_shape *s,
                         real *padded)
{
    size_t wp = (size_t)s->w + 2 * (size_t)s->pad, image = padded_image(s);
    for (int i = 0; i < count; i++) /* padded (count, H + 2 pad, W + 2 pad, C_in) */
        conv2d_pad_image(padded + i * image, img + (size_t)i * s->h * s->w * s->c_in, s);
    walk g = {count, s->h_out, s->w_out, s->c_out, image, (size_t)s->stride * wp * s->c_in,
              (size_t)s->stride * s->c_in};
    int width, k = s->kh * s->kw * s->c_in;
    block_fn block = block_for_isa(&width);
    for (int o0 = 0; o0 < s->c_out; o0 += ROWS)
        for (int k0 = 0; k0 < k; k0 += MAX_VECS * width) {
            int nv = (k - k0) / width < MAX_VECS ? (k - k0) / width : MAX_VECS;
            ptrdiff_t off[MAX_VECS];
            for (int v = 0; v < nv; v++) {
                int kv = k0 + v * width, tap = kv / s->c_in;
                off[v] = ((ptrdiff_t)(tap / s->kw) * (ptrdiff_t)wp + tap % s->kw) * s->c_in + kv % s->c_in;
            }
            block(nv, dw + (size_t)o0 * k + k0, (size_t)k, d_out + o0, padded, off, &g);
        }
}
