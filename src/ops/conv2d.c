/* Convolution as im2col + GEMM, one image and one group at a time.
 *
 * The im2col matrix of one image is (P = H_out*W_out, K = KH*KW*C_in/groups)
 * with K ordered (kh, kw, c) so that each copy is a contiguous run of
 * channels of the NHWC input; the weights are permuted to the same order
 * once per call (they are small next to the activations). A 1x1 stride-1
 * convolution needs no im2col: the input already is that matrix.
 *
 * Threads: with at least as many images as threads, each thread takes
 * whole images (one parallel region per call, serial GEMMs on private
 * scratch, weight gradients summed per thread then in thread order, so a
 * fixed thread count gives fixed results). With fewer images (batch 1
 * inference) the threads split each GEMM instead. */
#include "conv2d.h"
#include "conv2d_direct.h"
#include "conv2d_grouped.h"
#include "conv2d_wgrad.h"
#include "conv2d_winograd.h"

#include "../base/alloc.h"
#include "../base/scratch.h"
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

/* dst[0:n] = src[0:n] or 0 when src is NULL. Inline: most runs are 16-64
 * floats, where a call to memcpy costs as much as the copy. */
static inline void copy_run(real *restrict dst, const real *restrict src, int n)
{
    if (!src) {
        for (int c = 0; c < n; c++)
            dst[c] = 0;
        return;
    }
    int c = 0;
    for (; c + 16 <= n; c += 16)
        for (int v = 0; v < 16; v++)
            dst[c + v] = src[c + v];
    for (; c < n; c++)
        dst[c] = src[c];
}

/* col (P, K) of image `img`, group g; K ordered (kh, kw, c). With one group
 * the kw taps of a kernel row that lie inside the image are one run of the
 * NHWC input. */
static void im2col(real *col, const real *img, const conv2d_shape *s, int g, int threads)
{
    int cg = s->c_in / s->groups, k = s->kh * s->kw * cg;
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
    for (int oh = 0; oh < s->h_out; oh++) {
        for (int ow = 0; ow < s->w_out; ow++) {
            real *row = col + ((size_t)oh * s->w_out + ow) * k;
            int iw0 = ow * s->stride - s->pad;
            int whole = s->groups == 1 && iw0 >= 0 && iw0 + s->kw <= s->w;
            for (int i = 0; i < s->kh; i++) {
                int ih = oh * s->stride - s->pad + i;
                real *dst = row + i * s->kw * cg;
                int inside = ih >= 0 && ih < s->h;
                /* offset of tap (i, 0), which may lie outside the image: only in-range taps become pointers */
                ptrdiff_t at = ((ptrdiff_t)ih * s->w + iw0) * s->c_in + (ptrdiff_t)g * cg;
                if (whole || !inside) {
                    copy_run(dst, inside ? img + at : NULL, s->kw * cg);
                    continue;
                }
                for (int j = 0; j < s->kw; j++) {
                    int iw = iw0 + j;
                    copy_run(dst + j * cg, iw >= 0 && iw < s->w ? img + at + (ptrdiff_t)j * s->c_in : NULL, cg);
                }
            }
        }
    }
}

static inline void add_run(real *restrict dst, const real *restrict src, int n)
{
    for (int c = 0; c < n; c++)
        dst[c] += src[c];
}

/* d_img += the adjoint of im2col. Serial within an image: the windows of
 * neighbouring outputs overlap, so threads over pixels would race on d_img
 * (threads take whole images instead). */
static void col2im_add(real *d_img, const real *dcol, const conv2d_shape *s, int g)
{
    int cg = s->c_in / s->groups, k = s->kh * s->kw * cg;
    for (int oh = 0; oh < s->h_out; oh++) {
        for (int ow = 0; ow < s->w_out; ow++) {
            const real *row = dcol + ((size_t)oh * s->w_out + ow) * k;
            int iw0 = ow * s->stride - s->pad;
            int whole = s->groups == 1 && iw0 >= 0 && iw0 + s->kw <= s->w;
            for (int i = 0; i < s->kh; i++) {
                int ih = oh * s->stride - s->pad + i;
                if (ih < 0 || ih >= s->h)
                    continue;
                const real *src = row + i * s->kw * cg;
                ptrdiff_t at = ((ptrdiff_t)ih * s->w + iw0) * s->c_in + (ptrdiff_t)g * cg; /* tap (i, 0) */
                if (whole) {
                    add_run(d_img + at, src, s->kw * cg);
                    continue;
                }
                for (int j = 0; j < s->kw; j++)
                    if (iw0 + j >= 0 && iw0 + j < s->w)
                        add_run(d_img + at + (ptrdiff_t)j * s->c_in, src + j * cg, cg);
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

/* gemm() over `threads` threads, or gemm_serial() on scratch when 1. */
static void gemm_on(int threads, real *gemm_ws, int trans_a, int trans_b, int m, int n, int k, const real *a,
                    int lda, const real *b, int ldb, real beta, real *c, int ldc)
{
    if (threads > 1)
        gemm(trans_a, trans_b, m, n, k, 1, a, lda, b, ldb, beta, c, ldc);
    else
        gemm_serial(trans_a, trans_b, m, n, k, 1, a, lda, b, ldb, beta, c, ldc, gemm_ws);
}

/* Whole images per thread when there are enough of them (see the top). */
static int split_by_image(const conv2d_shape *s) { return s->n >= threads_get(); }

static size_t round_up16(size_t x) { return (x + 15) & ~(size_t)15; }

/* count reals of this thread's convolution scratch; NULL on overflow or no memory. */
static real *scratch_bytes(size_t count)
{
    int overflow = 0;
    size_t bytes = size_mul(count, sizeof(real), &overflow);
    return overflow ? NULL : scratch_get(SCRATCH_CONV, bytes);
}

/* The packed weights of one group, 64-byte aligned. */
static size_t packed_group_size(const conv2d_shape *s)
{
    int cg = s->c_in / s->groups, og = s->c_out / s->groups;
    return round_up16(gemm_packed_b_size(og, s->kh * s->kw * cg));
}

/* How a shape's packed forward is computed; decided by the kernel's shape
 * alone, so that packing and forward agree whatever the batch. */
typedef enum { METHOD_GEMM, METHOD_WINOGRAD, METHOD_GROUPED, METHOD_DIRECT } conv_method;

static conv_method method_of(const conv2d_shape *s)
{
    if (conv2d_direct_applies(s))
        return METHOD_DIRECT;
    if (conv2d_winograd_applies(s))
        return METHOD_WINOGRAD;
    return conv2d_grouped_direct(s) ? METHOD_GROUPED : METHOD_GEMM;
}

const char *conv2d_method_name(const conv2d_shape *s)
{
    static const char *const names[] = {"gemm", "winograd", "grouped", "direct"};
    return names[method_of(s)];
}

size_t conv2d_packed_size(const conv2d_shape *s)
{
    switch (method_of(s)) {
    case METHOD_WINOGRAD: return conv2d_winograd_packed_size(s);
    case METHOD_GROUPED: return conv2d_grouped_packed_size(s);
    case METHOD_DIRECT: return conv2d_direct_packed_size(s);
    default: return packed_group_size(s) * s->groups;
    }
}

/* The GEMM's packing: a few panels of output channels at a time, so that
 * packing the largest layer (2048 x 1024 x 3 x 3 in SENet-154) needs no
 * second whole copy; with release_early each block's raw weights go as soon
 * as they are packed. */
static int pack_gemm_weights(real *packed, const real *weight, const real *scale, const conv2d_shape *s,
                             int release_early)
{
    int cg = s->c_in / s->groups, og = s->c_out / s->groups, k = s->kh * s->kw * cg;
    int block = 4 * gemm_b_panel_width();
    real *w_hwc = scratch_bytes((size_t)(og < block ? og : block) * k); /* (block, K) */
    if (!w_hwc)
        return senet_fail(SENET_ERR_NOMEM, "conv2d: no memory to pack %d x %d weights", s->c_out, k);
    for (int g = 0; g < s->groups; g++)
        for (int j = 0; j < og; j += block) {
            int o0 = g * og + j, count = og - j < block ? og - j : block;
            const real *rows = weight + (size_t)o0 * k; /* OIHW: output channel o0 on */
            weight_to_hwc(w_hwc, rows, count, cg, s->kh, s->kw);
            if (scale)
                for (int o = 0; o < count; o++)
                    for (int i = 0; i < k; i++)
                        w_hwc[(size_t)o * k + i] *= scale[o0 + o];
            gemm_pack_b_columns(packed + g * packed_group_size(s), 1, og, k, j, j + count, w_hwc, k);
            if (release_early)
                release_pages(rows, (size_t)count * k * sizeof(real));
        }
    return SENET_OK;
}

int conv2d_pack_weights(real *packed, const real *weight, const real *scale, const conv2d_shape *s, int release)
{
    int status = SENET_OK;
    switch (method_of(s)) {
    case METHOD_WINOGRAD:
        if (conv2d_winograd_pack(packed, weight, scale, s))
            status = senet_fail(SENET_ERR_NOMEM, "conv2d: no memory to transform %d x %d x 3 x 3 weights", s->c_out,
                                s->c_in);
        break;
    case METHOD_GROUPED: conv2d_grouped_pack(packed, weight, scale, s); break;
    case METHOD_DIRECT: conv2d_direct_pack(packed, weight, scale, s); break;
    default: status = pack_gemm_weights(packed, weight, scale, s, release); break;
    }
    if (status == SENET_OK && release) /* all of it, pages across block edges included */
        release_pages(weight, (size_t)s->c_out * (s->c_in / s->groups) * s->kh * s->kw * sizeof(real));
    return status;
}

/* Output rows of `count` consecutive images o (count * P, C_out): their
 * im2col rows (or, pointwise, their input rows: NHWC images follow each
 * other) go through one product, so that small maps still make tall GEMMs
 * and each weight panel is read once per chunk instead of once per image. */
static void forward_images_packed(real *o, const real *img, int count, const real *packed, const real *bias,
                                  int relu, const conv2d_shape *s, real *col, int threads)
{
    int cg = s->c_in / s->groups, og = s->c_out / s->groups, k = s->kh * s->kw * cg;
    size_t p = (size_t)s->h_out * s->w_out, in_image = (size_t)s->h * s->w * s->c_in;
    for (int g = 0; g < s->groups; g++) {
        gemm_epilogue epi = {bias ? bias + (size_t)g * og : NULL, relu, 0};
        const real *a = img + (size_t)g * cg;
        int lda = s->c_in;
        if (!is_pointwise(s)) {
            for (int i = 0; i < count; i++)
                im2col(col + i * p * k, img + i * in_image, s, g, threads);
            a = col, lda = k;
        }
        gemm_packed(threads, (int)(count * p), og, k, a, lda, packed + g * packed_group_size(s), o + (size_t)g * og,
                    s->c_out, &epi);
    }
}

/* Images per GEMM when threads take whole images: enough for about 512
 * rows, in the same number of chunks for every thread. */
static int images_per_chunk(const conv2d_shape *s, int threads)
{
    size_t p = (size_t)s->h_out * s->w_out;
    int want = p >= 512 ? 1 : (int)((512 + p - 1) / p);
    int per_thread = (s->n + threads - 1) / threads;
    int chunks_per_thread = (per_thread + want - 1) / want;
    return (s->n + threads * chunks_per_thread - 1) / (threads * chunks_per_thread);
}

int conv2d_forward_packed(real *out, const real *in, const real *packed, const real *bias, int relu,
                          const conv2d_shape *s)
{
    conv_method method = method_of(s);
    if (method == METHOD_WINOGRAD)
        return conv2d_winograd_forward(out, in, packed, bias, relu, s)
                   ? senet_fail(SENET_ERR_NOMEM, "conv2d: no memory for the Winograd tiles of a %d->%d convolution",
                                s->c_in, s->c_out)
                   : SENET_OK;
    if (method == METHOD_GROUPED) {
        conv2d_grouped_forward(out, in, packed, bias, relu, s);
        return SENET_OK;
    }
    if (method == METHOD_DIRECT)
        return conv2d_direct_forward(out, in, packed, bias, relu, s)
                   ? senet_fail(SENET_ERR_NOMEM, "conv2d: no memory for the padded input of a %d->%d convolution",
                                s->c_in, s->c_out)
                   : SENET_OK;
    int k = s->kh * s->kw * (s->c_in / s->groups);
    size_t p = (size_t)s->h_out * s->w_out;
    int threads = threads_get(), by_image = split_by_image(s);
    int chunk = by_image ? images_per_chunk(s, threads) : 1;
    size_t each = is_pointwise(s) ? 0 : round_up16(chunk * p * k);
    real *col = each ? scratch_bytes((by_image ? threads : 1) * each) : NULL;
    if (each && !col)
        return senet_fail(SENET_ERR_NOMEM, "conv2d: no memory for a %zu x %d im2col buffer", chunk * p, k);
    size_t in_image = (size_t)s->h * s->w * s->c_in, out_image = p * s->c_out;
    if (by_image) {
        int chunks = (s->n + chunk - 1) / chunk;
#pragma omp parallel num_threads(threads) if (threads > 1)
        {
            real *mine = col ? col + (size_t)threads_index() * each : NULL;
#pragma omp for schedule(static)
            for (int c = 0; c < chunks; c++) {
                int first = c * chunk, count = s->n - first < chunk ? s->n - first : chunk;
                forward_images_packed(out + first * out_image, in + first * in_image, count, packed, bias, relu, s,
                                      mine, 1);
            }
        }
    } else {
        for (int n = 0; n < s->n; n++)
            forward_images_packed(out + n * out_image, in + n * in_image, 1, packed, bias, relu, s, col, threads);
    }
    return SENET_OK;
}

/* Training and one-off calls: the weights are packed once per call, for
 * all images, then the same product as inference. */
int conv2d_forward(real *out, const real *in, const real *weight, const real *bias, const conv2d_shape *s)
{
    int overflow = 0;
    size_t bytes = size_mul(conv2d_packed_size(s), sizeof(real), &overflow);
    real *packed = overflow ? NULL : scratch_get(SCRATCH_PACKED, bytes);
    if (!packed)
        return senet_fail(SENET_ERR_NOMEM, "conv2d: no memory to pack %d x %d x %d x %d weights", s->c_out,
                          s->c_in / s->groups, s->kh, s->kw);
    TRY(conv2d_pack_weights(packed, weight, NULL, s, 0));
    return conv2d_forward_packed(out, in, packed, bias, 0, s);
}

/* Scratch of one team member in the backward pass. */
typedef struct backward_scratch {
    int direct;        /* weight gradient by conv2d_wgrad_direct, col its padded images */
    real *col, *dcol;  /* (P, K) each; unused when pointwise */
    real *dw;          /* (C_out, K) weight-gradient partial, (kh, kw, c) order unless pointwise */
    real *db;          /* (C_out) bias-gradient partial */
    real *gemm_ws;
} backward_scratch;

/* The weights of the data gradient, packed once per call: per group the
 * (og, K) matrix, in (kh, kw, c) order unless pointwise, as B of dcol = dout W. */
static size_t packed_backward_group_size(const conv2d_shape *s)
{
    int cg = s->c_in / s->groups, og = s->c_out / s->groups;
    return round_up16(gemm_packed_b_size(s->kh * s->kw * cg, og));
}

/* `count` consecutive images, whose rows go through one product each (see
 * forward_images_packed). */
static void backward_images(real *dimg, const real *dout, const real *img, int count, const real *w_packed,
                            const conv2d_shape *s, const backward_scratch *b, int threads)
{
    int cg = s->c_in / s->groups, og = s->c_out / s->groups, k = s->kh * s->kw * cg;
    int pointwise = is_pointwise(s);
    size_t p1 = (size_t)s->h_out * s->w_out, in_image = (size_t)s->h * s->w * s->c_in;
    int p = (int)(count * p1);
    for (int g = 0; g < s->groups; g++) {
        const real *dout_g = dout + (size_t)g * og;
        const real *w_g = w_packed ? w_packed + g * packed_backward_group_size(s) : NULL;
        if (pointwise) {
            /* dW (og, cg) += dout_g^T (og, P) * in_g (P, cg) */
            gemm_on(threads, b->gemm_ws, 1, 0, og, cg, p, dout_g, s->c_out, img + (size_t)g * cg, s->c_in, 1,
                    b->dw + (size_t)g * og * cg, cg);
            gemm_epilogue add = {NULL, 0, 1};
            if (dimg)
                gemm_packed(threads, p, cg, og, dout_g, s->c_out, w_g, dimg + (size_t)g * cg, s->c_in, &add);
        } else {
            if (b->direct) {
                conv2d_wgrad_direct(b->dw, dout, img, count, s, b->col);
            } else {
                for (int i = 0; i < count; i++)
                    im2col(b->col + i * p1 * k, img + i * in_image, s, g, threads);
                gemm_on(threads, b->gemm_ws, 1, 0, og, k, p, dout_g, s->c_out, b->col, k, 1,
                        b->dw + (size_t)g * og * k, k);
            }
            if (dimg) {
                gemm_packed(threads, p, k, og, dout_g, s->c_out, w_g, b->dcol, k, NULL);
                for (int i = 0; i < count; i++)
                    col2im_add(dimg + i * in_image, b->dcol + i * p1 * k, s, g);
            }
        }
    }
    if (b->db)
        for (int r = 0; r < p; r++)
            for (int c = 0; c < s->c_out; c++)
                b->db[c] += dout[(size_t)r * s->c_out + c];
}

int conv2d_backward(real *d_in, real *d_weight, real *d_bias, const real *d_out, const real *in,
                    const real *weight, const conv2d_shape *s)
{
    /* The data gradient first, when a kernel of its own does it: it uses the
     * scratch the weight gradient below takes over. */
    if (d_in && conv2d_direct_backward_data_applies(s)) {
        if (conv2d_direct_backward_data(d_in, d_out, weight, s))
            return senet_fail(SENET_ERR_NOMEM, "conv2d backward: no memory for the padded output gradient");
        d_in = NULL;
    } else if (d_in && conv2d_winograd_backward_data_applies(s)) {
        if (conv2d_winograd_backward_data(d_in, d_out, weight, s))
            return senet_fail(SENET_ERR_NOMEM, "conv2d backward: no memory for the Winograd tiles of a %d->%d "
                              "data gradient", s->c_out, s->c_in);
        d_in = NULL;
    }
    int cg = s->c_in / s->groups;
    int k = s->kh * s->kw * cg;
    size_t p = (size_t)s->h_out * s->w_out;
    int pointwise = is_pointwise(s);
    int threads = threads_get(), by_image = split_by_image(s);
    int teams = by_image ? threads : 1, chunk = by_image ? images_per_chunk(s, threads) : 1;
    /* Read from the input directly when one thread does each image's products. */
    int direct = (by_image || threads == 1) && conv2d_wgrad_direct_applies(s);
    size_t col_size = pointwise ? 0 : round_up16(chunk * p * k);
    size_t dcol_size = pointwise || !d_in ? 0 : col_size;
    if (direct)
        col_size = round_up16(conv2d_wgrad_direct_scratch(s, chunk));
    size_t dw_size = round_up16((size_t)s->c_out * k), db_size = d_bias ? round_up16((size_t)s->c_out) : 0;
    size_t gemm_size = round_up16(gemm_workspace_size(k));
    size_t each = col_size + dcol_size + dw_size + db_size + gemm_size;
    size_t w_size = pointwise ? 0 : round_up16((size_t)s->c_out * k);
    real *block = scratch_bytes(w_size + teams * each);
    if (!block)
        return senet_fail(SENET_ERR_NOMEM, "conv2d backward: no memory for a %zu x %d im2col buffer", p, k);
    real *w_hwc = w_size ? block : NULL, *scratch = block + w_size;
    if (w_hwc)
        weight_to_hwc(w_hwc, weight, s->c_out, cg, s->kh, s->kw);
    real *w_packed = NULL;
    if (d_in) {
        int overflow = 0, og = s->c_out / s->groups;
        size_t bytes = size_mul(packed_backward_group_size(s) * s->groups, sizeof(real), &overflow);
        w_packed = overflow ? NULL : scratch_get(SCRATCH_PACKED, bytes);
        if (!w_packed)
            return senet_fail(SENET_ERR_NOMEM, "conv2d backward: no memory to pack %d x %d weights", s->c_out, k);
        for (int g = 0; g < s->groups; g++)
            gemm_pack_b(w_packed + g * packed_backward_group_size(s), 0, k, og,
                        (pointwise ? weight : w_hwc) + (size_t)g * og * k, k);
    }
    size_t in_image = (size_t)s->h * s->w * s->c_in, out_image = p * s->c_out;
#pragma omp parallel num_threads(teams) if (teams > 1)
    {
        real *mine = scratch + (size_t)threads_index() * each;
        backward_scratch b = {direct, mine, mine + col_size, mine + col_size + dcol_size,
                              d_bias ? mine + col_size + dcol_size + dw_size : NULL,
                              mine + col_size + dcol_size + dw_size + db_size};
        memset(b.dw, 0, (dw_size + db_size) * sizeof(real));
        int chunks = (s->n + chunk - 1) / chunk;
#pragma omp for schedule(static)
        for (int c = 0; c < chunks; c++) {
            int first = c * chunk, count = s->n - first < chunk ? s->n - first : chunk;
            backward_images(d_in ? d_in + first * in_image : NULL, d_out + first * out_image, in + first * in_image,
                            count, w_packed, s, &b, by_image ? 1 : threads);
        }
    }
    /* Partials in thread order; the first one collects the sum. */
    real *dw = scratch + col_size + dcol_size, *db = d_bias ? dw + dw_size : NULL;
    for (int t = 1; t < teams; t++) {
        const real *other = scratch + (size_t)t * each + col_size + dcol_size;
        for (size_t i = 0; i < (size_t)s->c_out * k; i++)
            dw[i] += other[i];
        if (db)
            for (int c = 0; c < s->c_out; c++)
                db[c] += other[dw_size + c];
    }
    if (pointwise)
        for (size_t i = 0; i < (size_t)s->c_out * k; i++)
            d_weight[i] += dw[i];
    else
        weight_from_hwc_add(d_weight, dw, s->c_out, cg, s->kh, s->kw);
    if (db)
        for (int c = 0; c < s->c_out; c++)
            d_bias[c] += db[c];
    return SENET_OK;
}

/* The convolution by its definition, one output at a time: with out, its
 * value (plus bias); with d_out, that output's gradient added to every
 * input and weight it reads. */
static void plain(real *out, real *d_in, real *d_weight, const real *d_out, const real *in, const real *weight,
                  const real *bias, const conv2d_shape *s)
{
    int cg = s->c_in / s->groups, og = s->c_out / s->groups;
    for (int n = 0; n < s->n; n++)
        for (int oh = 0; oh < s->h_out; oh++)
            for (int ow = 0; ow < s->w_out; ow++)
                for (int o = 0; o < s->c_out; o++) {
                    size_t at_out = (((size_t)n * s->h_out + oh) * s->w_out + ow) * s->c_out + o;
                    real sum = bias ? bias[o] : 0, g = d_out ? d_out[at_out] : 0;
                    for (int c = 0; c < cg; c++)
                        for (int i = 0; i < s->kh; i++)
                            for (int j = 0; j < s->kw; j++) {
                                int ih = oh * s->stride - s->pad + i, iw = ow * s->stride - s->pad + j;
                                if (ih < 0 || ih >= s->h || iw < 0 || iw >= s->w)
                                    continue;
                                size_t at = (((size_t)n * s->h + ih) * s->w + iw) * s->c_in + o / og * cg + c;
                                size_t wi = (((size_t)o * cg + c) * s->kh + i) * s->kw + j;
                                sum += in[at] * weight[wi];
                                if (d_out) {
                                    d_in[at] += g * weight[wi];
                                    d_weight[wi] += g * in[at];
                                }
                            }
                    if (out)
                        out[at_out] = sum;
                }
}

void conv2d_forward_plain(real *out, const real *in, const real *weight, const real *bias, const conv2d_shape *s)
{
    plain(out, NULL, NULL, NULL, in, weight, bias, s);
}

void conv2d_backward_plain(real *d_in, real *d_weight, const real *d_out, const real *in, const real *weight,
                           const conv2d_shape *s)
{
    plain(NULL, d_in, d_weight, d_out, in, weight, NULL, s);
}
