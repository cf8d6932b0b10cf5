/* Preprocessing and augmentation: shapes, value ranges, the exact
 * arithmetic of each pipeline on images whose answer is known, and
 * reproducibility from the seed.
 *   presets and normalisations (values, BGR order of "caffe");
 *   cifar-eval: exact normalisation; cifar-train: every output is the
 *     image shifted by -4..4 in each direction (zero padding outside) and
 *     maybe flipped, every shift and both flips occur;
 *   the bilinear resize: identity at the same size, constant images stay
 *     constant, an exact 2x shrink gives PIL's 1/8 3/8 3/8 1/8 weights, a
 *     window equals the same part of the full resize, padding;
 *   imagenet-eval: short side to 256, centre crop; imagenet-train: crops
 *     within the area and aspect ranges, flips, constant images constant;
 *   images that do not fit a pipeline are refused. */
#include "base/rng.h"
#include "data/preprocess.h"
#include "data/resize.h"
#include "data_test_util.h"

#include <math.h>

static void random_image(image_u8 *img, int h, int w, uint64_t seed)
{
    rng r;
    rng_seed(&r, seed);
    if (image_resize_buffer(img, h, w, "test") != SENET_OK)
        die("image");
    for (size_t i = 0; i < (size_t)h * (size_t)w * 3; i++)
        img->data[i] = (unsigned char)(rng_next(&r) >> 56);
}

static void fill_image(image_u8 *img, int h, int w, unsigned char r, unsigned char g, unsigned char b)
{
    if (image_resize_buffer(img, h, w, "test") != SENET_OK)
        die("image");
    for (size_t i = 0; i < (size_t)h * (size_t)w; i++)
        img->data[3 * i] = r, img->data[3 * i + 1] = g, img->data[3 * i + 2] = b;
}

static float normalised(const normalization *n, int c, double pixel)
{
    return (float)((pixel * n->scale - n->mean[c]) / n->std[c]);
}

static void test_presets(void)
{
    preprocess p;
    CHECK(preprocess_preset("cifar-train", 0, NULL, &p) == SENET_OK && p.kind == PREPROCESS_CIFAR_TRAIN &&
          p.out_h == 32 && p.out_w == 32 && p.pad == 4 && p.flip && fabsf(p.norm.mean[0] - 0.4914f) < 1e-7f &&
          fabsf(p.norm.std[2] - 0.2616f) < 1e-7f);
    CHECK(preprocess_preset("cifar-eval", 0, NULL, &p) == SENET_OK && p.out_h == 0 && !p.flip);
    CHECK(preprocess_preset("imagenet-train", 0, NULL, &p) == SENET_OK && p.out_h == 224 && p.flip &&
          fabsf(p.scale_min - 0.08f) < 1e-7f && p.scale_max == 1.0f && fabsf(p.ratio_min - 0.75f) < 1e-7f &&
          fabsf(p.ratio_max - 4.0f / 3.0f) < 1e-7f && fabsf(p.norm.mean[1] - 0.456f) < 1e-7f);
    CHECK(preprocess_preset("imagenet-eval", 0, NULL, &p) == SENET_OK && p.out_h == 224 && p.resize == 256);
    CHECK(preprocess_preset("imagenet-eval", 320, "caffe", &p) == SENET_OK && p.out_h == 320 && p.resize == 366 &&
          p.norm.bgr && p.norm.mean[0] == 104.0f && p.norm.mean[2] == 123.0f && p.norm.scale == 1.0f);
    CHECK_FAILS(preprocess_preset("imagenet-test", 0, NULL, &p), SENET_ERR_ARGUMENT, "imagenet-test", NULL);
    CHECK_FAILS(preprocess_preset("cifar-eval", 0, "zca", &p), SENET_ERR_ARGUMENT, "zca", NULL);
    normalization n;
    CHECK(normalization_preset("mnist", &n) == SENET_OK && fabsf(n.mean[2] - 0.1307f) < 1e-7f &&
          fabsf(n.std[0] - 0.3081f) < 1e-7f && !n.bgr);
    CHECK(normalization_preset("unit", &n) == SENET_OK && n.mean[0] == 0 && n.std[0] == 1);
    CHECK(normalization_preset("imagenet", &n) == SENET_OK && fabsf(n.std[2] - 0.225f) < 1e-7f);
}

static void test_cifar_eval(void)
{
    image_u8 img;
    image_init(&img);
    random_image(&img, 32, 32, 1);
    static const char *const norms[4] = {"cifar", "imagenet", "mnist", "unit"};
    float out[3 * 32 * 32]; /* (3, 32, 32) */
    for (int k = 0; k < 4; k++) {
        preprocess p;
        preprocess_preset("cifar-eval", 0, norms[k], &p);
        int oh, ow;
        CHECK(preprocess_output_size(&p, 32, 32, &oh, &ow) == SENET_OK && oh == 32 && ow == 32);
        CHECK(preprocess_apply(&p, &img, NULL, out) == SENET_OK);
        int exact = 1, range = 1;
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < 1024; i++) {
                float v = out[c * 1024 + i];
                exact &= fabsf(v - normalised(&p.norm, c, img.data[3 * i + c])) < 1e-5f;
                range &= v >= normalised(&p.norm, c, 0) - 1e-5f && v <= normalised(&p.norm, c, 255) + 1e-5f;
            }
        CHECK(exact);
        CHECK(range);
    }
    /* Caffe: channel 0 is blue, values 0..255 minus the means, exactly. */
    preprocess p;
    preprocess_preset("cifar-eval", 32, "caffe", &p);
    CHECK(preprocess_apply(&p, &img, NULL, out) == SENET_OK);
    int bgr = 1;
    for (int i = 0; i < 1024; i++)
        bgr &= out[i] == img.data[3 * i + 2] - 104.0f && out[1024 + i] == img.data[3 * i + 1] - 117.0f &&
               out[2048 + i] == img.data[3 * i] - 123.0f;
    CHECK(bgr);
    /* A 28x28 image through a 32x32 eval pipeline: refused; with size 0 it keeps 28x28. */
    random_image(&img, 28, 28, 2);
    CHECK_FAILS(preprocess_apply(&p, &img, NULL, out), SENET_ERR_SHAPE, "28x28", "32x32");
    preprocess_preset("cifar-eval", 0, "mnist", &p);
    int oh, ow;
    CHECK(preprocess_output_size(&p, 28, 28, &oh, &ow) == SENET_OK && oh == 28 && ow == 28);
    CHECK(preprocess_apply(&p, &img, NULL, out) == SENET_OK &&
          fabsf(out[3 * 28 * 28 - 1] - normalised(&p.norm, 2, img.data[3 * 28 * 28 - 1])) < 1e-5f);
    CHECK_FAILS(preprocess_output_size(&p, 0, 0, &oh, &ow), SENET_ERR_SHAPE, "not known", NULL);
    image_free(&img);
}

/* 1 if OUT (3, 32, 32) is IMG (up to 32x32) shifted by (dy, dx) (zero padding) and flipped or not. */
static int is_shift(const preprocess *p, const image_u8 *img, const float *out, int dy, int dx, int flip)
{
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < 32; y++)
            for (int x = 0; x < 32; x++) {
                int sy = y + dy, sx = (flip ? 31 - x : x) + dx;
                int v = sy >= 0 && sy < img->h && sx >= 0 && sx < img->w ? img->data[(sy * img->w + sx) * 3 + c] : 0;
                if (fabsf(out[(c * 32 + y) * 32 + x] - normalised(&p->norm, c, v)) > 1e-5f)
                    return 0;
            }
    return 1;
}

static void test_cifar_train(void)
{
    image_u8 img;
    image_init(&img);
    random_image(&img, 32, 32, 3);
    preprocess p;
    preprocess_preset("cifar-train", 0, NULL, &p);
    float out[3 * 32 * 32], again[3 * 32 * 32]; /* (3, 32, 32) */
    int seen_dy[9] = {0}, seen_dx[9] = {0}, flips = 0, all_shifts = 1, range = 1, trials = 300;
    for (int t = 0; t < trials; t++) {
        rng r;
        rng_seed(&r, 1000 + t);
        if (!CHECK(preprocess_apply(&p, &img, &r, out) == SENET_OK))
            break;
        int found = 0;
        for (int dy = -4; dy <= 4 && !found; dy++)
            for (int dx = -4; dx <= 4 && !found; dx++)
                for (int flip = 0; flip < 2 && !found; flip++)
                    if (is_shift(&p, &img, out, dy, dx, flip)) {
                        found = 1;
                        seen_dy[dy + 4] = seen_dx[dx + 4] = 1;
                        flips += flip;
                    }
        all_shifts &= found;
        for (int i = 0; i < 3 * 1024; i++)
            range &= out[i] >= normalised(&p.norm, i / 1024, 0) - 1e-5f &&
                     out[i] <= normalised(&p.norm, i / 1024, 255) + 1e-5f;
        rng_seed(&r, 1000 + t);
        preprocess_apply(&p, &img, &r, again);
        if (t < 20)
            CHECK(memcmp(out, again, sizeof out) == 0); /* the same stream gives the same crop */
    }
    CHECK(all_shifts);
    CHECK(range);
    int every = 1;
    for (int i = 0; i < 9; i++)
        every &= seen_dy[i] && seen_dx[i];
    CHECK(every);
    CHECK(flips > trials / 3 && flips < 2 * trials / 3);
    /* Too small for the crop even with padding; a train pipeline without a stream. */
    random_image(&img, 20, 20, 4);
    rng r;
    rng_seed(&r, 5);
    CHECK_FAILS(preprocess_apply(&p, &img, &r, out), SENET_ERR_SHAPE, "20x20", "32x32");
    CHECK_FAILS(preprocess_apply(&p, &img, NULL, out), SENET_ERR_ARGUMENT, "random", NULL);
    image_free(&img);
}

static void test_resize(void)
{
    image_u8 img;
    image_init(&img);
    /* Same size: the identity, exactly. */
    random_image(&img, 24, 40, 6);
    float *out = malloc(sizeof(float) * 512 * 256 * 3), *full = malloc(sizeof(float) * 512 * 256 * 3);
    CHECK(resize_bilinear(&img, 0, 0, 24, 40, 24, 40, 0, 0, 24, 40, out) == SENET_OK);
    int same = 1;
    for (int i = 0; i < 24 * 40 * 3; i++)
        same &= out[i] == img.data[i];
    CHECK(same);
    /* An exact 2x shrink: interior outputs weigh source pixels 2i-1 .. 2i+2 by 1/8, 3/8, 3/8, 1/8. */
    random_image(&img, 64, 64, 7);
    CHECK(resize_bilinear(&img, 0, 0, 64, 64, 32, 32, 0, 0, 32, 32, out) == SENET_OK);
    static const double w4[4] = {0.125, 0.375, 0.375, 0.125};
    double worst = 0;
    for (int y = 1; y < 31; y++)
        for (int x = 1; x < 31; x++)
            for (int c = 0; c < 3; c++) {
                double want = 0;
                for (int i = 0; i < 4; i++)
                    for (int j = 0; j < 4; j++)
                        want += w4[i] * w4[j] * img.data[((2 * y - 1 + i) * 64 + 2 * x - 1 + j) * 3 + c];
                worst = fmax(worst, fabs(want - out[(y * 32 + x) * 3 + c]));
            }
    CHECK(worst < 1e-3);
    /* A window of the grid equals that part of the whole resize; outside the grid is 0. */
    random_image(&img, 100, 50, 8);
    CHECK(resize_bilinear(&img, 0, 0, 100, 50, 512, 256, 0, 0, 512, 256, full) == SENET_OK);
    CHECK(resize_bilinear(&img, 0, 0, 100, 50, 512, 256, 144, 16, 224, 224, out) == SENET_OK);
    int window = 1;
    for (int y = 0; y < 224; y++)
        for (int x = 0; x < 224 * 3; x++)
            window &= fabsf(out[y * 224 * 3 + x] - full[(144 + y) * 256 * 3 + 16 * 3 + x]) < 1e-4f;
    CHECK(window);
    CHECK(resize_bilinear(&img, 0, 0, 100, 50, 10, 10, -2, -1, 14, 12, out) == SENET_OK);
    CHECK(out[0] == 0 && out[(1 * 12 + 5) * 3] == 0 && out[(2 * 12 + 0) * 3] == 0 && out[(2 * 12 + 1) * 3] != 0 &&
          out[(13 * 12 + 5) * 3] == 0);
    /* A box: the filter sees only the box, so a box of one colour inside a noisy image stays one colour. */
    for (int y = 10; y < 30; y++)
        for (int x = 5; x < 45; x++)
            img.data[(y * 50 + x) * 3] = img.data[(y * 50 + x) * 3 + 1] = img.data[(y * 50 + x) * 3 + 2] = 77;
    CHECK(resize_bilinear(&img, 10, 5, 20, 40, 13, 7, 0, 0, 13, 7, out) == SENET_OK);
    int flat = 1;
    for (int i = 0; i < 13 * 7 * 3; i++)
        flat &= fabsf(out[i] - 77) < 1e-3f;
    CHECK(flat);
    CHECK_FAILS(resize_bilinear(&img, 90, 0, 20, 50, 8, 8, 0, 0, 8, 8, out), SENET_ERR_ARGUMENT, "box", NULL);
    free(out);
    free(full);
    image_free(&img);
}

static void test_imagenet_eval(void)
{
    image_u8 img;
    image_init(&img);
    preprocess p;
    preprocess_preset("imagenet-eval", 0, NULL, &p);
    float *out = malloc(sizeof(float) * 3 * 224 * 224), *full = malloc(sizeof(float) * 512 * 256 * 3);
    /* A constant 500x300 (w x h) image stays constant. */
    fill_image(&img, 300, 500, 10, 120, 250);
    CHECK(preprocess_apply(&p, &img, NULL, out) == SENET_OK);
    int flat = 1;
    for (int c = 0; c < 3; c++)
        for (int i = 0; i < 224 * 224; i++)
            flat &= fabsf(out[c * 224 * 224 + i] - normalised(&p.norm, c, c == 0 ? 10 : c == 1 ? 120 : 250)) < 1e-4f;
    CHECK(flat);
    /* A 50x100 (w x h) image: 256 x 512, crop at (144, 16). */
    random_image(&img, 100, 50, 9);
    CHECK(preprocess_apply(&p, &img, NULL, out) == SENET_OK);
    resize_bilinear(&img, 0, 0, 100, 50, 512, 256, 0, 0, 512, 256, full);
    int crop = 1;
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < 224; y++)
            for (int x = 0; x < 224; x++)
                crop &= fabsf(out[(c * 224 + y) * 224 + x] -
                              normalised(&p.norm, c, full[((144 + y) * 256 + 16 + x) * 3 + c])) < 1e-4f;
    CHECK(crop);
    /* Resize 20, crop 32: padded by 6 on each side with pixel value 0. */
    preprocess_preset("imagenet-eval", 32, "unit", &p);
    p.resize = 20;
    fill_image(&img, 40, 40, 200, 200, 200);
    CHECK(preprocess_apply(&p, &img, NULL, out) == SENET_OK);
    CHECK(out[0] == 0 && out[5 * 32 + 16] == 0 && fabsf(out[6 * 32 + 6] - 200.0f / 255) < 1e-5f &&
          out[26 * 32 + 16] == 0 && out[16 * 32 + 26] == 0 && fabsf(out[25 * 32 + 25] - 200.0f / 255) < 1e-5f);
    free(out);
    free(full);
    image_free(&img);
}

static void test_imagenet_train(void)
{
    image_u8 img;
    image_init(&img);
    preprocess p;
    preprocess_preset("imagenet-train", 64, "unit", &p);
    float *out = malloc(sizeof(float) * 3 * 64 * 64), *again = malloc(sizeof(float) * 3 * 64 * 64);
    /* R ramps with x and G with y over 0..255, so a crop's extent shows in the value spans. */
    if (image_resize_buffer(&img, 256, 256, "test") != SENET_OK)
        die("image");
    for (int y = 0; y < 256; y++)
        for (int x = 0; x < 256; x++)
            img.data[(y * 256 + x) * 3] = (unsigned char)x, img.data[(y * 256 + x) * 3 + 1] = (unsigned char)y,
                                 img.data[(y * 256 + x) * 3 + 2] = 0;
    int trials = 200, flips = 0, ranges = 1, area_ok = 1, ratio_ok = 1, repeat = 1;
    double smallest = 1, largest = 0;
    for (int t = 0; t < trials; t++) {
        rng r;
        rng_seed(&r, 77 + t);
        if (!CHECK(preprocess_apply(&p, &img, &r, out) == SENET_OK))
            break;
        float rmin = 1e9f, rmax = -1e9f, gmin = 1e9f, gmax = -1e9f;
        for (int i = 0; i < 64 * 64; i++) {
            rmin = fminf(rmin, out[i]), rmax = fmaxf(rmax, out[i]);
            gmin = fminf(gmin, out[4096 + i]), gmax = fmaxf(gmax, out[4096 + i]);
            ranges &= out[i] >= 0 && out[i] <= 1 && out[4096 + i] >= 0 && out[4096 + i] <= 1 && out[8192 + i] == 0;
        }
        /* Spans in pixels: a w-wide crop spans about w - 1 levels of the ramp (less near the edges). */
        double w = (rmax - rmin) * 255 + 1, h = (gmax - gmin) * 255 + 1, area = w * h / (256.0 * 256.0);
        smallest = fmin(smallest, area);
        largest = fmax(largest, area);
        area_ok &= area > 0.08 * 0.8 && area <= 1.0001;
        ratio_ok &= w / h > 0.75 * 0.85 && w / h < 4.0 / 3.0 / 0.85;
        flips += out[0] > out[63]; /* R falls along a row: flipped */
        rng_seed(&r, 77 + t);
        preprocess_apply(&p, &img, &r, again);
        repeat &= memcmp(out, again, sizeof(float) * 3 * 64 * 64) == 0;
    }
    CHECK(ranges);
    CHECK(area_ok);
    CHECK(ratio_ok);
    CHECK(smallest < 0.25 && largest > 0.75); /* the scale range is used */
    CHECK(flips > trials / 3 && flips < 2 * trials / 3);
    CHECK(repeat);
    /* Any crop of a constant image is that constant; a tall thin image takes the fallback path too. */
    fill_image(&img, 300, 20, 40, 80, 160);
    int flat = 1;
    for (int t = 0; t < 50; t++) {
        rng r;
        rng_seed(&r, 500 + t);
        CHECK(preprocess_apply(&p, &img, &r, out) == SENET_OK);
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < 4096; i++)
                flat &= fabsf(out[c * 4096 + i] - (40 << c) / 255.0f) < 1e-4f;
    }
    CHECK(flat);
    p.scale_min = 0;
    rng r;
    rng_seed(&r, 1);
    CHECK_FAILS(preprocess_apply(&p, &img, &r, out), SENET_ERR_ARGUMENT, "scale", NULL);
    free(out);
    free(again);
    image_free(&img);
}

/* MNIST's 28x28 in the CLI's pipelines for it: evaluation centres the image
 * on 32x32 zeros (pad 2); training pads 4 and crops 32x32 at random, a shift
 * of 0-4 pixels (2 is the centre), never flipped. */
static void test_small_images_centred(void)
{
    image_u8 img;
    image_init(&img);
    random_image(&img, 28, 28, 4);
    preprocess p;
    float out[3 * 32 * 32]; /* (3, 32, 32) */
    preprocess_preset("cifar-eval", 32, "mnist", &p);
    p.pad = 2;
    int oh, ow;
    CHECK(preprocess_output_size(&p, 28, 28, &oh, &ow) == SENET_OK && oh == 32 && ow == 32);
    CHECK(preprocess_apply(&p, &img, NULL, out) == SENET_OK && is_shift(&p, &img, out, -2, -2, 0));
    CHECK_FAILS(preprocess_output_size(&p, 26, 26, &oh, &ow), SENET_ERR_SHAPE, "26x26 image padded by 2", "32x32");
    preprocess_preset("cifar-train", 32, "mnist", &p);
    p.pad = 4;
    p.flip = 0;
    int shifts_ok = 1, seen[5] = {0};
    for (int t = 0; t < 200; t++) {
        rng r;
        rng_seed(&r, 50 + t);
        int found = 0;
        if (!CHECK(preprocess_apply(&p, &img, &r, out) == SENET_OK))
            break;
        for (int dy = -4; dy <= 0 && !found; dy++)
            for (int dx = -4; dx <= 0 && !found; dx++)
                if (is_shift(&p, &img, out, dy, dx, 0)) {
                    found = 1;
                    seen[dy + 4] = 1;
                }
        shifts_ok &= found;
    }
    CHECK(shifts_ok);
    CHECK(seen[0] && seen[1] && seen[2] && seen[3] && seen[4]);
    image_free(&img);
}

int main(void)
{
    test_presets();
    test_cifar_eval();
    test_cifar_train();
    test_small_images_centred();
    test_resize();
    test_imagenet_eval();
    test_imagenet_train();
    return finish();
}
