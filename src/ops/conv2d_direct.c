/* Direct convolution: output pixels in tiles of `pix` along a row, by up
 * to 2 vectors of output channels, summed in registers over every tap and
 * input channel. Per input value, one broadcast feeds up to 2 FMAs; per
 * input channel, up to 2 vector loads of weights feed the whole tile. At
 * 16-32 output channels this beats both the im2col GEMM (whose (P, K)
 * matrix costs more memory traffic than the product) and Winograd (whose
 * 16 products per tile are 16-channel-thin): se_resnet20's 16-channel
 * layers took 11.7 ms each (Winograd) and 9.2 + 4.3 ms (data gradient:
 * GEMM, then col2im's scatter) at a batch of 128.
 *
 * The input is copied once per image into a zero-padded buffer so that
 * no tap needs a bounds test. */
#include "conv2d_direct.h"

#include "../base/scratch.h"
#include "../base/threads.h"
#include "../kernels/isa.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int conv2d_direct_applies(const conv2d_shape *s)
{
    int pointwise = s->kh == 1 && s->kw == 1 && s->stride == 1 && s->pad == 0;
    return s->groups == 1 && (s->c_out == 16 || s->c_out == 32) && !pointwise;
}

size_t conv2d_direct_packed_size(const conv2d_shape *s)
{
    return (size_t)s->kh * s->kw * s->c_in * s->c_out;
}

void conv2d_direct_pack(real *packed, const real *weight, const real *scale, const conv2d_shape *s)
{
    int taps = s->kh * s->kw;
    for (int o = 0; o < s->c_out; o++)
        for (int c = 0; c < s->c_in; c++)
            for (int t = 0; t < taps; t++)
                packed[((size_t)t * s->c_in + c) * s->c_out + o] =
                    weight[((size_t)o * s->c_in + c) * taps + t] * (scale ? scale[o] : 1);
}

void conv2d_pad_image(real *dst, const real *img, const conv2d_shape *s)
{
    size_t c = (size_t)s->c_in, pad = (size_t)s->pad, wp = (size_t)s->w + 2 * pad, row = (size_t)s->w * c;
    size_t border = pad * c; /* reals of zeros left and right of a row */
    memset(dst, 0, pad * wp * c * sizeof(real)); /* the rows above */
    for (size_t y = 0; y < (size_t)s->h; y++) {
        real *line = dst + (y + pad) * wp * c;
        memset(line, 0, border * sizeof(real));
        memcpy(line + border, img + y * row, row * sizeof(real));
        memset(line + border + row, 0, border * sizeof(real));
    }
    memset(dst + (s->h + pad) * wp * c, 0, pad * wp * c * sizeof(real)); /* the rows below */
}

/* out = (or += with add) conv(in, packed) + bias, ReLU when relu. Threads
 * take whole images when there are enough, else split each image's rows. */
static int run(real *out, const real *in, const real *packed, const real *bias, int relu, int add,
               const conv2d_shape *s)
{
    size_t wp = (size_t)s->w + 2 * (size_t)s->pad, image = ((size_t)s->h + 2 * (size_t)s->pad) * wp * s->c_in;
    size_t in_image = (size_t)s->h * s->w * s->c_in, out_row = (size_t)s->w_out * s->c_out;
    int threads = threads_get(), own = s->n >= threads;
    real *padded = scratch_get(SCRATCH_CONV, (own ? (size_t)threads : 1) * image * sizeof(real));
    if (!padded)
        return -1;
    ptrdiff_t tap_off[s->kh * s->kw];
    for (int i = 0; i < s->kh; i++)
        for (int j = 0; j < s->kw; j++)
            tap_off[i * s->kw + j] = ((ptrdiff_t)i * (ptrdiff_t)wp + j) * s->c_in;
    direct_geometry g = {tap_off, s->kh * s->kw, s->c_in, s->c_out, (size_t)s->stride * s->c_in};
    size_t row_step = (size_t)s->stride * wp * s->c_in; /* between output rows' first taps */
    direct_row_fn row = isa_kernels()->direct_row;
#pragma omp parallel num_threads(threads) if (threads > 1)
    {
        if (own) {
            real *mine = padded + (size_t)threads_index() * image;
#pragma omp for schedule(static)
            for (int n = 0; n < s->n; n++) {
                conv2d_pad_image(mine, in + n * in_image, s);
                for (int oh = 0; oh < s->h_out; oh++)
                    row(out + ((size_t)n * s->h_out + oh) * out_row, mine + oh * row_step, s->w_out, packed, bias, relu,
                        add, &g);
            }
        } else {
            for (int n = 0; n < s->n; n++) {
#pragma omp single
                conv2d_pad_image(padded, in + n * in_image, s);
#pragma omp for schedule(static)
                for (int oh = 0; oh < s->h_out; oh++)
                    row(out + ((size_t)n * s->h_out + oh) * out_row, padded + oh * row_step, s->w_out, packed, bias,
                        relu, add, &g);
            }
        }
    }
    return 0;
}

int conv2d_direct_forward(real *out, const real *in, const real *packed, const real *bias, int relu,
                          const conv2d_shape *s)
{
    return run(out, in, packed, bias, relu, 0, s);
}

int conv2d_direct_backward_data_applies(const conv2d_shape *s)
{
    return s->groups == 1 && s->stride == 1 && s->kh == s->kw && s->pad <= s->kh - 1 &&
           (s->c_in == 16 || s->c_in == 32);
}

/* d_in += conv(d_out, W') with W'[c][o] = W[o][c] rotated by 180 degrees and
 * padding KH - 1 - pad: the transposed convolution of a stride-1 layer. */
int conv2d_direct_backward_data(real *d_in, const real *d_out, const real *weight, const conv2d_shape *s)
{
    conv2d_shape t = {s->n, s->h_out, s->w_out, s->c_out, s->c_in, s->kh, s->kw, 1, s->kh - 1 - s->pad, 1, s->h,
                      s->w};
    real *packed = scratch_get(SCRATCH_PACKED, conv2d_direct_packed_size(&t) * sizeof(real));
    if (!packed)
        return -1;
    int taps = s->kh * s->kw;
    for (int o = 0; o < s->c_out; o++) /* packed (KH, KW, C_out, C_in) of the rotated kernel */
        for (int c = 0; c < s->c_in; c++)
            for (int tap = 0; tap < taps; tap++)
                packed[((size_t)(taps - 1 - tap) * s->c_out + o) * s->c_in + c] =
                    weight[((size_t)o * s->c_in + c) * taps + tap];
    return run(d_in, d_out, packed, NULL, 0, 1, &t);
}
