/* Max pooling and global pooling. */
#include "pool.h"

#include "../base/threads.h"

#include <string.h>

int maxpool_out_size(int in, int k, int stride, int pad, int ceil_mode)
{
    int span = in + 2 * pad - k;
    if (span < 0)
        return 0;
    int out = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
    if (ceil_mode && (out - 1) * stride >= in + pad)
        out--;
    return out;
}

/* Window by window, tap by tap: the channels of a tap are one contiguous
 * run of the NHWC input, so each tap is a vectorised max over them (the
 * arg-max, kept for training, a masked store beside it). NaN wins, and
 * among NaNs the last, as in PyTorch. Every window holds at least one input
 * pixel (maxpool_out_size guarantees it). argmax[o] is the offset of the
 * winner within its image. */
void maxpool_forward(real *y, int32_t *argmax, const real *x, int n, int h, int w, int c, int k, int stride,
                     int pad, int ho, int wo)
{
#pragma omp parallel for collapse(2) num_threads(threads_get()) schedule(static)
    for (int b = 0; b < n; b++) {
        for (int oh = 0; oh < ho; oh++) {
            const real *image = x + (size_t)b * h * w * c;
            for (int ow = 0; ow < wo; ow++) {
                size_t o = (((size_t)b * ho + oh) * wo + ow) * c;
                real *restrict yo = y + o;
                int32_t *restrict ao = argmax ? argmax + o : NULL;
                int first = 1;
                for (int i = 0; i < k; i++) {
                    int ih = oh * stride - pad + i;
                    for (int j = 0; j < k && ih >= 0 && ih < h; j++) {
                        int iw = ow * stride - pad + j;
                        if (iw < 0 || iw >= w)
                            continue;
                        int32_t at = (int32_t)(((size_t)ih * w + iw) * c);
                        const real *restrict xi = image + at;
                        if (first) {
                            memcpy(yo, xi, (size_t)c * sizeof(real));
                            if (ao)
                                for (int ch = 0; ch < c; ch++)
                                    ao[ch] = at + ch;
                        } else if (ao) {
                            for (int ch = 0; ch < c; ch++) {
                                real v = xi[ch];
                                int take = v > yo[ch] || v != v;
                                yo[ch] = take ? v : yo[ch];
                                ao[ch] = take ? at + ch : ao[ch];
                            }
                        } else {
                            for (int ch = 0; ch < c; ch++) {
                                real v = xi[ch], cur = yo[ch];
                                yo[ch] = v > cur || v != v ? v : cur;
                            }
                        }
                        first = 0;
                    }
                }
            }
        }
    }
}

void maxpool_backward(real *d_x, const real *d_y, const int32_t *argmax, int n, int h, int w, int c, int ho, int wo)
{
    size_t per_out = (size_t)ho * wo * c, per_in = (size_t)h * w * c;
#pragma omp parallel for num_threads(threads_get()) schedule(static)
    for (int b = 0; b < n; b++)
        for (size_t i = 0; i < per_out; i++)
            d_x[b * per_in + argmax[b * per_out + i]] += d_y[b * per_out + i];
}

/* Channels per task: an SE squeeze at batch 1 splits over threads too. */
#define POOL_CHANNEL_BLOCK 64

void global_avgpool_forward(real *y, const real *x, int n, int hw, int c)
{
    int blocks = (c + POOL_CHANNEL_BLOCK - 1) / POOL_CHANNEL_BLOCK;
#pragma omp parallel for collapse(2) num_threads(threads_get()) schedule(static) if ((size_t)n * hw * c > 65536)
    for (int b = 0; b < n; b++)
        for (int k = 0; k < blocks; k++) {
            int c0 = k * POOL_CHANNEL_BLOCK, count = c - c0 < POOL_CHANNEL_BLOCK ? c - c0 : POOL_CHANNEL_BLOCK;
            double acc[POOL_CHANNEL_BLOCK] = {0};
            for (int p = 0; p < hw; p++) {
                const real *row = x + ((size_t)b * hw + p) * c + c0;
                for (int ch = 0; ch < count; ch++)
                    acc[ch] += row[ch];
            }
            for (int ch = 0; ch < count; ch++)
                y[(size_t)b * c + c0 + ch] = (real)(acc[ch] / hw);
        }
}

void global_avgpool_backward(real *d_x, const real *d_y, int n, int hw, int c)
{
    real inv = (real)1 / hw;
#pragma omp parallel for collapse(2) num_threads(threads_get()) schedule(static)
    for (int b = 0; b < n; b++)
        for (int p = 0; p < hw; p++)
            for (int ch = 0; ch < c; ch++)
                d_x[((size_t)b * hw + p) * c + ch] += d_y[(size_t)b * c + ch] * inv;
}

void global_maxpool_forward(real *y, int32_t *argmax, const real *x, int n, int hw, int c)
{
    for (int b = 0; b < n; b++) {
        for (int ch = 0; ch < c; ch++) {
            y[(size_t)b * c + ch] = x[(size_t)b * hw * c + ch];
            argmax[(size_t)b * c + ch] = 0;
        }
        for (int p = 1; p < hw; p++)
            for (int ch = 0; ch < c; ch++) {
                real v = x[((size_t)b * hw + p) * c + ch];
                if (v > y[(size_t)b * c + ch]) {
                    y[(size_t)b * c + ch] = v;
                    argmax[(size_t)b * c + ch] = p;
                }
            }
    }
}

void global_maxpool_backward(real *d_x, const real *d_y, const int32_t *argmax, int n, int hw, int c)
{
    for (int b = 0; b < n; b++)
        for (int ch = 0; ch < c; ch++)
            d_x[((size_t)b * hw + argmax[(size_t)b * c + ch]) * c + ch] += d_y[(size_t)b * c + ch];
}
