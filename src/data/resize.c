/* Separable antialiased bilinear resampling (PIL's BILINEAR filter).
 * For each output index the filter is centred at (i + 0.5) * in / out in
 * source coordinates and covers +-max(1, in / out) source pixels. */
#include "resize.h"

#include "../base/status.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct taps {
    int *start;  /* (n) first source index of each output, relative to the box */
    int *count;  /* (n) taps of each output; 0 for one outside the grid */
    float *w;    /* (n, k) normalised weights */
    int k;       /* the most taps any output can have */
} taps;

static void taps_free(taps *t)
{
    free(t->start);
    free(t->count);
    free(t->w);
}

/* Taps for outputs first .. first + n - 1 of an in -> full resampling. */
static int make_taps(int in, int full, int first, int n, taps *t)
{
    double scale = (double)in / full;
    double support = scale > 1 ? scale : 1; /* the triangle's half-width in source pixels */
    t->k = (int)ceil(support) * 2 + 1;
    t->start = malloc((size_t)n * sizeof *t->start);
    t->count = malloc((size_t)n * sizeof *t->count);
    t->w = malloc((size_t)n * (size_t)t->k * sizeof *t->w);
    if (!t->start || !t->count || !t->w)
        return senet_fail(SENET_ERR_NOMEM, "cannot allocate resampling weights for %d -> %d", in, full);
    for (int i = 0; i < n; i++) {
        int o = first + i;
        t->start[i] = 0;
        t->count[i] = 0;
        if (o < 0 || o >= full)
            continue;
        double center = (o + 0.5) * scale;
        int lo = (int)(center - support + 0.5), hi = (int)(center + support + 0.5);
        lo = lo < 0 ? 0 : lo;
        hi = hi > in ? in : hi;
        double sum = 0, w[256 + 3];
        int cnt = hi - lo > t->k ? t->k : hi - lo;
        for (int j = 0; j < cnt; j++) {
            double d = fabs((j + lo - center + 0.5) / support);
            w[j] = d < 1 ? 1 - d : 0;
            sum += w[j];
        }
        for (int j = 0; j < cnt; j++)
            t->w[(size_t)i * t->k + j] = (float)(sum > 0 ? w[j] / sum : 0);
        t->start[i] = lo;
        t->count[i] = cnt;
    }
    return SENET_OK;
}

int resize_bilinear(const image_u8 *src, int by, int bx, int bh, int bw, int full_h, int full_w, int oy, int ox,
                    int oh, int ow, float *dst)
{
    if (bh <= 0 || bw <= 0 || by < 0 || bx < 0 || by + bh > src->h || bx + bw > src->w || full_h <= 0 ||
        full_w <= 0 || oh <= 0 || ow <= 0)
        return senet_fail(SENET_ERR_ARGUMENT, "resize: box %dx%d at (%d, %d) of a %dx%d image to %dx%d is invalid",
                          bw, bh, bx, by, src->w, src->h, full_w, full_h);
    /* A shrink by more than 128x would need over 256 taps; no sane pipeline does that. */
    if (bh > 128 * full_h || bw > 128 * full_w)
        return senet_fail(SENET_ERR_ARGUMENT, "resize: %dx%d to %dx%d shrinks too far", bw, bh, full_w, full_h);
    taps tx = {0}, ty = {0};
    float *tmp = NULL; /* (rows, ow, 3): the horizontal pass over the rows the vertical taps read */
    int status = make_taps(bw, full_w, ox, ow, &tx);
    if (status == SENET_OK)
        status = make_taps(bh, full_h, oy, oh, &ty);
    int ylo = bh, yhi = 0;
    for (int i = 0; status == SENET_OK && i < oh; i++)
        if (ty.count[i] > 0) {
            ylo = ty.start[i] < ylo ? ty.start[i] : ylo;
            yhi = ty.start[i] + ty.count[i] > yhi ? ty.start[i] + ty.count[i] : yhi;
        }
    int rows = yhi > ylo ? yhi - ylo : 0;
    if (status == SENET_OK && rows > 0 && !(tmp = malloc((size_t)rows * (size_t)ow * 3 * sizeof *tmp)))
        status = senet_fail(SENET_ERR_NOMEM, "resize: cannot allocate %d x %d floats", rows, ow * 3);
    if (status != SENET_OK) {
        taps_free(&tx);
        taps_free(&ty);
        return status;
    }
    for (int r = 0; r < rows; r++) { /* columns outside the grid have no taps and come out 0 */
        const uint8_t *row = src->data + ((size_t)(by + ylo + r) * (size_t)src->w + (size_t)bx) * 3;
        float *out = tmp + (size_t)r * (size_t)ow * 3;
        for (int x = 0; x < ow; x++) {
            const float *w = tx.w + (size_t)x * tx.k;
            const uint8_t *p = row + (size_t)tx.start[x] * 3;
            float a0 = 0, a1 = 0, a2 = 0;
            for (int j = 0; j < tx.count[x]; j++) {
                a0 += w[j] * p[3 * j];
                a1 += w[j] * p[3 * j + 1];
                a2 += w[j] * p[3 * j + 2];
            }
            out[3 * x] = a0;
            out[3 * x + 1] = a1;
            out[3 * x + 2] = a2;
        }
    }
    for (int y = 0; y < oh; y++) {
        float *out = dst + (size_t)y * (size_t)ow * 3;
        if (ty.count[y] == 0) { /* outside the grid: padding */
            memset(out, 0, (size_t)ow * 3 * sizeof *out);
            continue;
        }
        const float *w = ty.w + (size_t)y * ty.k;
        const float *base = tmp + (size_t)(ty.start[y] - ylo) * (size_t)ow * 3;
        memset(out, 0, (size_t)ow * 3 * sizeof *out);
        for (int j = 0; j < ty.count[y]; j++) { /* whole rows at a time: contiguous, vectorisable */
            const float *row = base + (size_t)j * (size_t)ow * 3;
            for (int i = 0; i < ow * 3; i++)
                out[i] += w[j] * row[i];
        }
    }
    free(tmp);
    taps_free(&tx);
    taps_free(&ty);
    return SENET_OK;
}
