/* The batch loader on a synthetic IDX dataset whose images spell their own
 * index (pixel (0,0) = index mod 256, pixel (0,1) = index / 256) and whose
 * label is index mod 10:
 *   the epoch order is a permutation, the same for the same (seed, epoch),
 *   different across epochs and seeds, the identity without shuffling;
 *   batches follow it exactly, labels and images stay with their index;
 *   starting at batch k gives bit-identical batches (augmentation included)
 *   to an uninterrupted epoch; sharding over P ranks covers every index
 *   exactly once with the same augmented pixels; drop_last; restarting
 *   epochs while the thread works; bad options and calls; a file that fails
 *   to decode on the loader thread fails loader_next with its name. */
#include "data/loader.h"
#include "data_test_util.h"

#include <jpeglib.h>
#include <math.h>
#include <png.h>

enum { N = 1000, ROWS = 6, COLS = 5, B = 64 };

static void write_be32(unsigned char *p, unsigned v)
{
    for (int j = 0; j < 4; j++)
        p[j] = (unsigned char)(v >> (24 - 8 * j));
}

static void write_dataset(const char *dir, int n)
{
    make_dir(dir);
    size_t isize = 16 + (size_t)n * ROWS * COLS;
    unsigned char *img = calloc(1, isize), *lab = calloc(1, 8 + (size_t)n);
    write_be32(img, 0x803), write_be32(img + 4, (unsigned)n), write_be32(img + 8, ROWS), write_be32(img + 12, COLS);
    write_be32(lab, 0x801), write_be32(lab + 4, (unsigned)n);
    for (int i = 0; i < n; i++) {
        unsigned char *px = img + 16 + (size_t)i * ROWS * COLS;
        px[0] = (unsigned char)(i & 255);
        px[1] = (unsigned char)(i >> 8);
        for (int k = 2; k < ROWS * COLS; k++)
            px[k] = (unsigned char)(k * 17 + i * 3);
        lab[8 + i] = (unsigned char)(i % 10);
    }
    char path[512];
    snprintf(path, sizeof path, "%s/train-images-idx3-ubyte", dir);
    write_bytes(path, img, isize);
    snprintf(path, sizeof path, "%s/train-labels-idx1-ubyte", dir);
    write_bytes(path, lab, 8 + (size_t)n);
    free(img);
    free(lab);
}

static dataset *open_dataset(const char *name, int n)
{
    write_dataset(scratch_path(name), n);
    dataset *ds;
    if (dataset_open(scratch_path(name), NULL, 1, &ds) != SENET_OK)
        die(senet_last_error());
    return ds;
}

/* The index an image (3, ROWS, COLS) spells under the "unit" eval pipeline. */
static int spelled_index(const float *img)
{
    return (int)lrintf(img[0] * 255) + 256 * (int)lrintf(img[1] * 255);
}

static void test_permutation(void)
{
    static int64_t a[N], b[N];
    int seen[N] = {0}, perm_ok = 1;
    loader_permutation(42, 3, 1, N, a);
    for (int i = 0; i < N; i++)
        perm_ok &= a[i] >= 0 && a[i] < N && !seen[a[i]]++;
    CHECK(perm_ok);
    loader_permutation(42, 3, 1, N, b);
    CHECK(memcmp(a, b, sizeof a) == 0);
    loader_permutation(42, 4, 1, N, b);
    CHECK(memcmp(a, b, sizeof a) != 0);
    loader_permutation(43, 3, 1, N, b);
    CHECK(memcmp(a, b, sizeof a) != 0);
    int fixed = 0, identity = 1;
    for (int i = 0; i < N; i++)
        fixed += a[i] == i;
    CHECK(fixed < 20); /* a shuffle moves almost everything (about 1 fixed point expected) */
    loader_permutation(42, 3, 0, N, b);
    for (int i = 0; i < N; i++)
        identity &= b[i] == i;
    CHECK(identity);
}

/* Runs one epoch and checks every batch against the permutation. */
static void test_epoch(const dataset *ds)
{
    preprocess p;
    preprocess_preset("cifar-eval", 0, "unit", &p);
    loader_options o = {.batch_size = B, .seed = 42, .shuffle = 1, .rank = 0, .world = 1};
    loader *l;
    if (!CHECK(loader_create(ds, &p, &o, &l) == SENET_OK))
        return;
    int max_n, h, w;
    loader_batch_shape(l, &max_n, &h, &w);
    CHECK(loader_num_batches(l) == (N + B - 1) / B && max_n == B && h == ROWS && w == COLS);
    loader_batch batch;
    CHECK_FAILS(loader_next(l, &batch), SENET_ERR_STATE, "no epoch", NULL);
    CHECK_FAILS(loader_start_epoch(l, 0, 17), SENET_ERR_ARGUMENT, "17", NULL);
    static int64_t perm[N];
    loader_permutation(42, 3, 1, N, perm);
    CHECK(loader_start_epoch(l, 3, 0) == SENET_OK);
    int order = 1, labels = 1, pixels = 1, batches = 0;
    int64_t total = 0;
    for (;;) {
        if (!CHECK(loader_next(l, &batch) == SENET_OK))
            break;
        if (batch.end)
            break;
        order &= batch.batch == batches && batch.h == ROWS && batch.w == COLS &&
                 batch.n == (batches == N / B ? N % B : B);
        for (int k = 0; k < batch.n; k++) {
            int64_t index = batch.indices[k];
            order &= index == perm[batches * B + k];
            labels &= batch.labels[k] == index % 10 && batch.labels[k] == dataset_label(ds, index);
            pixels &= spelled_index(batch.images + (size_t)k * 3 * ROWS * COLS) == index;
        }
        total += batch.n;
        batches++;
    }
    CHECK(order);
    CHECK(labels);
    CHECK(pixels);
    CHECK(batches == (N + B - 1) / B && total == N);
    CHECK(loader_next(l, &batch) == SENET_OK && batch.end); /* stays at the end */
    loader_free(l);

    /* drop_last and no shuffling. */
    o.drop_last = 1;
    o.shuffle = 0;
    if (CHECK(loader_create(ds, &p, &o, &l) == SENET_OK)) {
        CHECK(loader_num_batches(l) == N / B);
        loader_start_epoch(l, 0, 0);
        int full = 1, in_order = 1, count = 0;
        while (loader_next(l, &batch) == SENET_OK && !batch.end) {
            full &= batch.n == B;
            for (int k = 0; k < batch.n; k++)
                in_order &= batch.indices[k] == count++;
        }
        CHECK(full && in_order && count == N / B * B);
        loader_free(l);
    }
}

/* Every batch of an epoch under the cifar-train augmentation: (batches, B, 3, ROWS, COLS). */
static float *record_epoch(const dataset *ds, const preprocess *p, int64_t epoch, int64_t first, int world,
                           int rank, int64_t *indices /* (N) by position, or NULL */)
{
    size_t chw = 3 * ROWS * COLS;
    float *all = calloc((size_t)N * chw, sizeof(float)); /* by position in the epoch */
    loader_options o = {.batch_size = B, .seed = 7, .shuffle = 1, .rank = rank, .world = world};
    loader *l;
    if (loader_create(ds, p, &o, &l) != SENET_OK || loader_start_epoch(l, epoch, first) != SENET_OK)
        die(senet_last_error());
    loader_batch batch;
    while (loader_next(l, &batch) == SENET_OK && !batch.end)
        for (int k = 0; k < batch.n; k++) {
            int64_t pos = batch.batch * B + rank + (int64_t)k * world;
            memcpy(all + (size_t)pos * chw, batch.images + (size_t)k * chw, chw * sizeof(float));
            if (indices) {
                CHECK(indices[pos] == -1); /* each position once */
                indices[pos] = batch.indices[k];
            }
        }
    loader_free(l);
    return all;
}

static void test_resume_and_shards(const dataset *ds)
{
    preprocess p;
    preprocess_preset("cifar-train", 0, "unit", &p);
    p.out_h = ROWS;
    p.out_w = COLS;
    p.pad = 2;
    size_t chw = 3 * ROWS * COLS;
    float *whole = record_epoch(ds, &p, 5, 0, 1, 0, NULL);
    float *resumed = record_epoch(ds, &p, 5, 7, 1, 0, NULL);
    float *other = record_epoch(ds, &p, 6, 0, 1, 0, NULL);
    size_t from = (size_t)7 * B * chw;
    CHECK(memcmp(whole + from, resumed + from, ((size_t)N * chw - from) * sizeof(float)) == 0);
    CHECK(memcmp(whole, other, (size_t)N * chw * sizeof(float)) != 0);

    /* Three shards: together every position once, with the unsharded pixels. */
    static int64_t indices[N], perm[N];
    for (int i = 0; i < N; i++)
        indices[i] = -1;
    float *sharded = calloc((size_t)N * chw, sizeof(float));
    for (int rank = 0; rank < 3; rank++) {
        float *part = record_epoch(ds, &p, 5, 0, 3, rank, indices);
        for (int pos = 0; pos < N; pos++)
            if ((pos % B) % 3 == rank)
                memcpy(sharded + (size_t)pos * chw, part + (size_t)pos * chw, chw * sizeof(float));
        free(part);
    }
    loader_permutation(7, 5, 1, N, perm);
    int covered = 1;
    for (int i = 0; i < N; i++)
        covered &= indices[i] == perm[i];
    CHECK(covered);
    CHECK(memcmp(sharded, whole, (size_t)N * chw * sizeof(float)) == 0);
    free(sharded);
    free(whole);
    free(resumed);
    free(other);
}

/* 10 images, batches of 4, 3 ranks: the last global batch has 2, so rank 2 gets an empty batch. */
static void test_small_shards(void)
{
    dataset *ds = open_dataset("small", 10);
    preprocess p;
    preprocess_preset("cifar-eval", 0, "unit", &p);
    int seen[10] = {0}, empty = 0, batches = 0;
    for (int rank = 0; rank < 3; rank++) {
        loader_options o = {.batch_size = 4, .seed = 1, .shuffle = 1, .rank = rank, .world = 3};
        loader *l;
        if (!CHECK(loader_create(ds, &p, &o, &l) == SENET_OK))
            continue;
        loader_start_epoch(l, 0, 0);
        loader_batch batch;
        while (loader_next(l, &batch) == SENET_OK && !batch.end) {
            batches++;
            empty += batch.n == 0;
            for (int k = 0; k < batch.n; k++)
                seen[batch.indices[k]]++;
        }
        loader_free(l);
    }
    int once = 1;
    for (int i = 0; i < 10; i++)
        once &= seen[i] == 1;
    CHECK(once);
    CHECK(batches == 9 && empty == 1);
    dataset_free(ds);
}

static void test_restarts(const dataset *ds)
{
    preprocess p;
    preprocess_preset("cifar-eval", 0, "unit", &p);
    loader_options o = {.batch_size = B, .seed = 9, .shuffle = 1, .rank = 0, .world = 1};
    loader *l;
    if (!CHECK(loader_create(ds, &p, &o, &l) == SENET_OK))
        return;
    static int64_t perm[N];
    int ok = 1;
    for (int e = 0; e < 30; e++) {
        int64_t first = e % 4;
        ok &= loader_start_epoch(l, e, first) == SENET_OK;
        loader_permutation(9, e, 1, N, perm);
        loader_batch batch;
        for (int k = 0; k < e % 3; k++) { /* 0 to 2 batches, then restart while the next is prepared */
            ok &= loader_next(l, &batch) == SENET_OK && batch.batch == first + k;
            for (int j = 0; j < batch.n; j++)
                ok &= batch.indices[j] == perm[(first + k) * B + j];
        }
    }
    CHECK(ok);
    loader_free(l);
    for (int i = 0; i < 10; i++) { /* freed while working */
        if (loader_create(ds, &p, &o, &l) != SENET_OK)
            die(senet_last_error());
        loader_start_epoch(l, i, 0);
        loader_free(l);
    }
    o.batch_size = 0;
    CHECK_FAILS(loader_create(ds, &p, &o, &l), SENET_ERR_ARGUMENT, "batch size", NULL);
    o.batch_size = 8;
    o.rank = 2;
    o.world = 2;
    CHECK_FAILS(loader_create(ds, &p, &o, &l), SENET_ERR_ARGUMENT, "rank 2 of 2", NULL);
}

static void write_png_grey(const char *path, int w, int h)
{
    unsigned char *px = calloc((size_t)w * h, 1);
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    image.width = (png_uint_32)w;
    image.height = (png_uint_32)h;
    image.format = PNG_FORMAT_GRAY;
    if (!png_image_write_to_file(&image, path, 0, px, w, NULL))
        die(path);
    free(px);
}

static void write_truncated_jpeg(const char *path)
{
    unsigned char px[16 * 16 * 3];
    for (int i = 0; i < 16 * 16 * 3; i++)
        px[i] = (unsigned char)(i * 7);
    unsigned char *mem = NULL;
    unsigned long size = 0;
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr err;
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    jpeg_mem_dest(&c, &mem, &size);
    c.image_width = c.image_height = 16;
    c.input_components = 3;
    c.in_color_space = JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < 16) {
        JSAMPROW row = px + c.next_scanline * 16 * 3;
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    write_bytes(path, mem, size / 2);
    free(mem);
}

static void test_thread_errors(void)
{
    make_dir(scratch_path("bad/a"));
    write_png_grey(scratch_path("bad/a/0.png"), 16, 16);
    write_truncated_jpeg(scratch_path("bad/a/1.jpg"));
    write_png_grey(scratch_path("bad/a/2.png"), 12, 16);
    dataset *ds;
    if (!CHECK(dataset_open(scratch_path("bad"), NULL, 1, &ds) == SENET_OK))
        return;
    preprocess p;
    loader *l;
    loader_options o = {.batch_size = 1, .seed = 1, .shuffle = 0, .rank = 0, .world = 1};
    preprocess_preset("cifar-eval", 0, "unit", &p);
    CHECK_FAILS(loader_create(ds, &p, &o, &l), SENET_ERR_SHAPE, "fixed image size", NULL);
    preprocess_preset("cifar-eval", 16, "unit", &p);
    if (CHECK(loader_create(ds, &p, &o, &l) == SENET_OK)) {
        loader_batch batch;
        CHECK(loader_start_epoch(l, 0, 0) == SENET_OK);
        CHECK(loader_next(l, &batch) == SENET_OK && batch.n == 1 && batch.labels[0] == 0);
        CHECK_FAILS(loader_next(l, &batch), SENET_ERR_FORMAT, "bad/a/1.jpg", "JPEG");
        CHECK_FAILS(loader_next(l, &batch), SENET_ERR_STATE, "failed", NULL);
        CHECK(loader_start_epoch(l, 0, 2) == SENET_OK);
        CHECK_FAILS(loader_next(l, &batch), SENET_ERR_SHAPE, "12x16", "16x16");
        CHECK(loader_start_epoch(l, 0, 0) == SENET_OK);
        CHECK(loader_next(l, &batch) == SENET_OK && batch.batch == 0);
        loader_free(l);
    }
    dataset_free(ds);
}

/* The dataset indices (spelled by each image) of one part of dataset_hold_out. */
static int64_t part_of(const char *name, double fraction, uint64_t seed, int held_out, int64_t *idx)
{
    dataset *part;
    if (!CHECK(dataset_hold_out(open_dataset(name, 103), fraction, seed, held_out, &part) == SENET_OK))
        return 0;
    image_u8 img;
    image_init(&img);
    int64_t n = dataset_count(part);
    for (int64_t i = 0; i < n; i++) {
        CHECK(dataset_get(part, i, &img) == SENET_OK);
        idx[i] = img.data[0] + 256 * img.data[3]; /* pixels 0 and 1, grey as RGB */
        CHECK(img.label == idx[i] % 10 && dataset_label(part, i) == idx[i] % 10);
    }
    CHECK(dataset_num_classes(part) == 10 && strcmp(dataset_class_name(part, 3), "3") == 0);
    image_free(&img);
    dataset_free(part);
    return n;
}

static void test_hold_out(void)
{
    int64_t held[103], kept[103], again[103], other[103];
    int64_t nh = part_of("hold", 0.25, 7, 1, held), nk = part_of("hold", 0.25, 7, 0, kept);
    CHECK(nh == 26 && nk == 77); /* round(0.25 * 103) held out */
    int seen[103] = {0}, ascending = 1;
    for (int64_t i = 0; i < nh; i++)
        seen[held[i]]++, ascending &= i == 0 || held[i] > held[i - 1];
    for (int64_t i = 0; i < nk; i++)
        seen[kept[i]]++, ascending &= i == 0 || kept[i] > kept[i - 1];
    int each_once = 1;
    for (int i = 0; i < 103; i++)
        each_once &= seen[i] == 1;
    CHECK(each_once && ascending); /* the parts are disjoint, cover the dataset, keep its order */
    CHECK(part_of("hold", 0.25, 7, 1, again) == 26 && memcmp(again, held, sizeof(int64_t) * 26) == 0);
    CHECK(part_of("hold", 0.25, 8, 1, other) == 26 && memcmp(other, held, sizeof(int64_t) * 26) != 0);
    dataset *part = NULL;
    CHECK_FAILS(dataset_hold_out(open_dataset("hold", 103), 0.001, 7, 1, &part), SENET_ERR_ARGUMENT,
                "no images to validate on", NULL);
    CHECK_FAILS(dataset_hold_out(open_dataset("hold", 103), 0.999, 7, 0, &part), SENET_ERR_ARGUMENT,
                "no images to train on", NULL);
    CHECK_FAILS(dataset_hold_out(open_dataset("hold", 103), 1.0, 7, 0, &part), SENET_ERR_ARGUMENT, "0 < fraction",
                NULL);
    CHECK(part == NULL);
}

int main(void)
{
    make_scratch("data_loader_test");
    dataset *ds = open_dataset("digits", N);
    test_permutation();
    test_epoch(ds);
    test_resume_and_shards(ds);
    test_small_shards();
    test_restarts(ds);
    test_thread_errors();
    test_hold_out();
    dataset_free(ds);
    return finish();
}
