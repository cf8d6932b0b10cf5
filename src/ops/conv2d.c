/* Convolution as im2col + GEMM, one image and one group at a time.
 *
 * The im2col matrix of one image is (P = H_out*W_out, K = KH*KW*C_in/groups)
 * with K ordered (kh, kw, c) so that each copy is a contiguous run of
 * channels of the NHWC input; the weights are permuted to the same order
 * once per call (they are small next to the activations). A 1x1 stride-1
 * convolution needs no im2col: the input already is that matrix. */
#include "conv2d.h"

#include "../base/alloc.h"
#include "../base/status.h"
#include "../base/threads.h"
#include "../kernels/gemm.h"

#include <string.h>

int conv2d_shape_finish(conv2d_shape *s)
{
    if (s->n <= 0 || s->h <= 0 || s->w <= 0 || s->c_in <= 0 || s->c_out <= 0 || s->kh <= 0 || s->kw <= 0 ||
        s->stride <= 0 || s->pad < 0 || s->groups <= 0 || s->c_in % s->groups || s->c_out % s->groups)
        return senet_fail(SENET_ERR_SHAPE, "conv2d: invalid shape (C_in %d, C_out %d, groups %d)", s->c_in,
                          s->c_out, s->groups);
    s->h_out = (s->h + 2 * s->pad - s->kh) / s->stride + 1;
    s->w_out = (s->w + 2 * s->pad - s->kw) / s->stride + 1;
    if (s->h + 2 * s->pad < s->kh || s->w + 2 * s->pad < s->kw)
        return senet_fail(SENET_ERR_SHAPE, "conv2d: input %dx%d is smaller than the %dx%d kernel", s->h, s->w,
                          s->kh, s->kw);
    return SENET_OK;
}

static int is_pointwise(const conv2d_shape *s)
{
    return s->kh == 1 && s->kw == 1 && s->stride == 1 && s->pad == 0;
}

/* col (P, K) of image `img`, group g; K ordered (kh, kw, c). */
static void im2col(real *col, const real *img, const conv2d_shape *s, int g)
{
    int cg = s->c_in / s->groups, k = s->kh * s->kw * cg;
#pragma omp parallel for num_threads(threads_get()) schedule(static)
    for (int oh = 0; oh < s->h_out; oh++) {
        for (int ow = 0; ow < s->w_out; ow++) {
            real *row = col + ((size_t)oh * s->w_out + ow) * k;
            for (int i = 0; i < s->kh; i++) {
                int ih = oh * s->stride - s->pad + i;
                for (int j = 0; j < s->kw; j++) {
                    int iw = ow * s->stride - s->pad + j;
                    real *dst = row + (i * s->kw + j) * cg;
                    if (ih < 0 || ih >= s->h || iw < 0 || iw >= s->w)
                        memset(dst, 0, (size_t)cg * sizeof(real));
                    else
                        memcpy(dst, img + ((size_t)ih * s->w + iw) * s->c_in + (size_t)g * cg, (size_t)cg * sizeof(real));
                }
            }
        }
    }
}

/* d_img += the adjoint of im2col. Serial: the windows of neighbouring
 * outputs overlap, so threads over pixels would race on d_img. */
static void col2im_add(real *d_img, const real *dcol, const conv2d_shape *s, int g)
{
    int cg = s->c_in / s->groups, k = s->kh * s->kw * cg;
    for (int oh = 0; oh < s->h_out; oh++) {
        for (int ow = 0; ow < s->w_out; ow++) {
            const real *row = dcol + ((size_t)oh * s->w_out + ow) * k;
            for (int i = 0; i < s->kh; i++) {
                int ih = oh * s->stride - s->pad + i;
                if (ih < 0 || ih >= s->h)
                    continue;
                for (int j = 0; j < s->kw; j++) {
                    int iw = ow * s->stride - s->pad + j;
                    if (iw < 0 || iw >= s->w)
                        continue;
                    const real *src = row + (i * s->kw + j) * cg;
                    real *dst = d_img + ((size_t)ih * s->w + iw) * s->c_in + (size_t)g * cg;
                    for (int c = 0; c < cg; c++)
                        dst[c] += src[c];
                }
            }
        }
    }
}

/* (C_out, cg, KH, KW) <-> (C_out, KH, KW, cg) */
static void weight_to_hwc(real *dst, const real *w, int c_out, int cg, int kh, int kw)
{
    for (int o = 0; o < c_out; o++)
        for (int c = 0; c < cg; c++)
            for (int i = 0; i < kh * kw; i++)
                dst[((size_t)o * kh * kw + i) * cg + c] = w[((size_t)o * cg + c) * kh * kw + i];
}

static void weight_from_hwc_add(real *w, const real *src, int c_out, int cg, int kh, int kw)
{
    for (int o = 0; o < c_out; o++)
        for (int c = 0; c < cg; c++)
            for (int i = 0; i < kh * kw; i++)
                w[((size_t)o * cg + c) * kh * kw + i] += src[((size_t)o * kh * kw + i) * cg + c];
}

int conv2d_forward(real *out, const real *in, const real *weight, const real *bias, const conv2d_shape *s)
{
    int cg = s->c_in / s->groups, og = s->c_out / s->groups;
    int k = s->kh * s->kw * cg;
    size_t p = (size_t)s->h_out * s->w_out;
    int pointwise = is_pointwise(s);
    real *w_hwc = NULL, *col = NULL;
    if (!pointwise) {
        w_hwc = aligned_alloc_checked((size_t)s->c_out * k * sizeof(real));
        col = aligned_alloc_checked(p * k * sizeof(real));
        if (!w_hwc || !col) {
            aligned_free(w_hwc);
            aligned_free(col);
            return senet_fail(SENET_ERR_NOMEM, "conv2d: no memory for a %zu x %d im2col buffer", p, k);
        }
        weight_to_hwc(w_hwc, weight, s->c_out, cg, s->kh, s->kw);
    }
    for (int n = 0; n < s->n; n++) {
        const real *img = in + (size_t)n * s->h * s->w * s->c_in;
        real *o = out + (size_t)n * p * s->c_out;
        for (int g = 0; g < s->groups; g++) {
            if (pointwise) {
                gemm(0, 1, (int)p, og, cg, 1, img + (size_t)g * cg, s->c_in, weight + (size_t)g * og * cg, cg, 0,
                     o + (size_t)g * og, s->c_out);
            } else {
                im2col(col, img, s, g);
                gemm(0, 1, (int)p, og, k, 1, col, k, w_hwc + (size_t)g * og * k, k, 0, o + (size_t)g * og, s->c_out);
            }
        }
    }
    if (bias) {
        size_t rows = (size_t)s->n * p;
#pragma omp parallel for num_threads(threads_get()) schedule(static)
        for (size_t r = 0; r < rows; r++)
            for (int c = 0; c < s->c_out; c++)
                out[r * s->c_out + c] += bias[c];
    }
    aligned_free(w_hwc);
    aligned_free(col);
    return SENET_OK;
}

int conv2d_backward(real *d_in, real *d_weight, real *d_bias, const real *d_out, const real *in,
                    const real *weight, const conv2d_shape *s)
{
    int cg = s->c_in / s->groups, og = s->c_out / s->groups;
    int k = s->kh * s->kw * cg;
    size_t p = (size_t)s->h_out * s->w_out;
    int pointwise = is_pointwise(s);
    real *w_hwc = NULL, *dw_hwc = NULL, *col = NULL, *dcol = NULL;
    if (!pointwise) {
        w_hwc = aligned_alloc_checked((size_t)s->c_out * k * sizeof(real));
        dw_hwc = aligned_calloc_checked((size_t)s->c_out * k, sizeof(real));
        col = aligned_alloc_checked(p * k * sizeof(real));
        dcol = d_in ? aligned_alloc_checked(p * k * sizeof(real)) : NULL;
        if (!w_hwc || !dw_hwc || !col || (d_in && !dcol)) {
            aligned_free(w_hwc);
            aligned_free(dw_hwc);
            aligned_free(col);
            aligned_free(dcol);
            return senet_fail(SENET_ERR_NOMEM, "conv2d backward: no memory for a %zu x %d im2col buffer", p, k);
        }
        weight_to_hwc(w_hwc, weight, s->c_out, cg, s->kh, s->kw);
    }
    for (int n = 0; n < s->n; n++) {
        const real *img = in + (size_t)n * s->h * s->w * s->c_in;
        const real *dout = d_out + (size_t)n * p * s->c_out;
        real *dimg = d_in ? d_in + (size_t)n * s->h * s->w * s->c_in : NULL;
        for (int g = 0; g < s->groups; g++) {
            const real *dout_g = dout + (size_t)g * og;
            if (pointwise) {
                /* dW (og, cg) += dout_g^T (og, P) * in_g (P, cg) */
                gemm(1, 0, og, cg, (int)p, 1, dout_g, s->c_out, img + (size_t)g * cg, s->c_in, 1,
                     d_weight + (size_t)g * og * cg, cg);
                if (dimg)
                    gemm(0, 0, (int)p, cg, og, 1, dout_g, s->c_out, weight + (size_t)g * og * cg, cg, 1,
                         dimg + (size_t)g * cg, s->c_in);
            } else {
                im2col(col, img, s, g);
                gemm(1, 0, og, k, (int)p, 1, dout_g, s->c_out, col, k, 1, dw_hwc + (size_t)g * og * k, k);
                if (dimg) {
                    gemm(0, 0, (int)p, k, og, 1, dout_g, s->c_out, w_hwc + (size_t)g * og * k, k, 0, dcol, k);
                    col2im_add(dimg, dcol, s, g);
                }
            }
        }
    }
    if (!pointwise)
        weight_from_hwc_add(d_weight, dw_hwc, s->c_out, cg, s->kh, s->kw);
    if (d_bias) {
        size_t rows = (size_t)s->n * p;
        for (size_t r = 0; r < rows; r++)
            for (int c = 0; c < s->c_out; c++)
                d_bias[c] += d_out[r * s->c_out + c];
    }
    aligned_free(w_hwc);
    aligned_free(dw_hwc);
    aligned_free(col);
    aligned_free(dcol);
    return SENET_OK;
}

void conv2d_forward_plain(real *out, const real *in, const real *weight, const real *bias, const conv2d_shape *s)
{
    int cg = s->c_in / s->groups, og = s->c_out / s->groups;
    for (int n = 0; n < s->n; n++)
        for (int oh = 0; oh < s->h_out; oh++)
            for (int ow = 0; ow < s->w_out; ow++)
                for (int o = 0; o < s->c_out; o++) {
                    int g = o / og;
                    real sum = bias ? bias[o] : 0;
                    for (int c = 0; c < cg; c++)
                        for (int i = 0; i < s->kh; i++)
                            for (int j = 0; j < s->kw; j++) {
                                int ih = oh * s->stride - s->pad + i, iw = ow * s->stride - s->pad + j;
                                if (ih < 0 || ih >= s->h || iw < 0 || iw >= s->w)
                                    continue;
                                sum += in[(((size_t)n * s->h + ih) * s->w + iw) * s->c_in + g * cg + c] *
                                       weight[(((size_t)o * cg + c) * s->kh + i) * s->kw + j];
                            }
                    out[(((size_t)n * s->h_out + oh) * s->w_out + ow) * s->c_out + o] = sum;
                }
}
