/* The public data API (senet_data.h), used as an embedding program uses it:
 * only the public headers, linked against libsenet_data.so.
 *
 *   public_api_test checks FOLDER
 *       errors (their status and the file they name), handle reuse, pixels
 *       from the caller, and the dataset calls on FOLDER: an image folder
 *       with test/cat (3 images) and test/dog (2), written by the driver
 *   public_api_test dump OUT PIPELINE SIZE NORMALIZE SEED IMAGE
 *       IMAGE through senet_transform_create(PIPELINE, SIZE, NORMALIZE), or
 *       senet_transform_for_arch(ARCH, ...) for PIPELINE "arch:ARCH";
 *       NORMALIZE "-" for NULL. OUT: int32 image h, w, output h, w, then
 *       the (3, h, w) floats, for public_api_test.py to hold against
 *       torchvision.
 *   public_api_test names K
 *       senet_class_names(K), one a line (status 1 when there are none) */
#include "senet.h"
#include "senet_data.h"

#include "data_test_util.h"

#include <stdint.h>

static void test_images(const char *folder)
{
    char path[600];
    senet_image *img = NULL;
    snprintf(path, sizeof path, "%s/missing.jpg", folder);
    CHECK_FAILS(senet_image_load(path, &img), SENET_ERR_IO, "missing.jpg", NULL);
    CHECK(img == NULL); /* a failed first load leaves nothing to free */

    static const char junk[] = "not an image at all";
    CHECK_FAILS(senet_image_decode(junk, sizeof junk, "notes.txt", &img), SENET_ERR_FORMAT, "notes.txt", NULL);
    CHECK(img == NULL);

    snprintf(path, sizeof path, "%s/test/cat/0.jpg", folder);
    CHECK(senet_image_load(path, &img) == SENET_OK && img);
    CHECK(senet_image_height(img) == 32 && senet_image_width(img) == 32 && senet_image_pixels(img));
    senet_image *kept = img;
    /* a failure into an image being reused keeps the handle */
    CHECK_FAILS(senet_image_decode(junk, 4, "short", &img), SENET_ERR_FORMAT, "short", NULL);
    CHECK(img == kept);

    /* the caller's pixels, rows 10 bytes apart of which 6 are a row of 2 pixels */
    uint8_t rows[3 * 10];
    for (int i = 0; i < 30; i++)
        rows[i] = (uint8_t)(i * 7);
    CHECK(senet_image_from_rgb(rows, 3, 2, 10, &img) == SENET_OK && img == kept);
    const uint8_t *px = senet_image_pixels(img);
    int same = senet_image_height(img) == 3 && senet_image_width(img) == 2;
    for (int y = 0; y < 3 && same; y++)
        for (int x = 0; x < 6; x++)
            same &= px[y * 6 + x] == rows[y * 10 + x];
    CHECK(same);
    CHECK_FAILS(senet_image_from_rgb(rows, 3, 4, 10, &img), SENET_ERR_ARGUMENT, "stride 10", NULL);
    CHECK_FAILS(senet_image_from_rgb(rows, 0, 4, 0, &img), SENET_ERR_ARGUMENT, "outside the limits", NULL);

    /* transforms: names, sizes, room */
    senet_transform *t = NULL;
    CHECK_FAILS(senet_transform_create("imagenet-val", 0, NULL, &t), SENET_ERR_ARGUMENT, "imagenet-val", NULL);
    CHECK_FAILS(senet_transform_create("imagenet-eval", 5000, NULL, &t), SENET_ERR_ARGUMENT, "5000", NULL);
    CHECK_FAILS(senet_transform_create("imagenet-eval", 0, "bgr", &t), SENET_ERR_ARGUMENT, "bgr", NULL);
    CHECK_FAILS(senet_transform_for_arch("se_resnet51", 0, NULL, &t), SENET_ERR_ARGUMENT, "se_resnet51", NULL);
    CHECK(t == NULL);
    CHECK(senet_transform_for_arch("se_resnet50", 0, NULL, &t) == SENET_OK);
    int h = 0, w = 0;
    CHECK(senet_transform_output_size(t, img, &h, &w) == SENET_OK && h == 224 && w == 224);
    float small[16];
    CHECK_FAILS(senet_transform_apply(t, img, 0, small, 16), SENET_ERR_SHAPE, "3 x 224 x 224", NULL);
    senet_transform_free(t);
    /* a 3x2 image padded by 4 has no 32x32 crop */
    static float input[3 * 32 * 32];
    CHECK(senet_transform_create("cifar-train", 32, NULL, &t) == SENET_OK);
    CHECK_FAILS(senet_transform_apply(t, img, 0, input, 3 * 32 * 32), SENET_ERR_SHAPE, NULL, NULL);
    senet_transform_free(t);
    senet_image_free(img);
}

static void test_dataset(const char *folder)
{
    senet_dataset *ds = NULL;
    char path[600];
    snprintf(path, sizeof path, "%s/nowhere", folder);
    CHECK(senet_dataset_open(path, NULL, 0, &ds) != SENET_OK && ds == NULL);
    CHECK_FAILS(senet_dataset_open(folder, "cifar1000", 0, &ds), SENET_ERR_ARGUMENT, "cifar1000", NULL);
    if (!CHECK(senet_dataset_open(folder, NULL, 0, &ds) == SENET_OK))
        return;
    CHECK(strcmp(senet_dataset_format(ds), "folder") == 0);
    CHECK(senet_dataset_count(ds) == 5 && senet_dataset_num_classes(ds) == 2);
    CHECK(strcmp(senet_dataset_class_name(ds, 0), "cat") == 0 && strcmp(senet_dataset_class_name(ds, 1), "dog") == 0);
    CHECK(senet_dataset_class_name(ds, 2) == NULL);
    senet_image *img = NULL;
    int label = -1, labels[5];
    for (int i = 0; i < 5; i++) {
        CHECK(senet_dataset_get(ds, i, &img, &label) == SENET_OK && senet_image_height(img) == 32);
        labels[i] = label;
    }
    CHECK(labels[0] == 0 && labels[2] == 0 && labels[3] == 1 && labels[4] == 1);
    CHECK_FAILS(senet_dataset_get(ds, 5, &img, &label), SENET_ERR_ARGUMENT, "5", NULL);

    /* batches in the dataset's order: 2, 2, 1 images, then the end */
    senet_transform *as_is = NULL, *too_big = NULL;
    senet_loader *l = NULL;
    CHECK(senet_transform_create("cifar-eval", 0, NULL, &as_is) == SENET_OK);
    CHECK(senet_transform_create("cifar-eval", 64, NULL, &too_big) == SENET_OK);
    CHECK_FAILS(senet_loader_create(ds, too_big, 2, 0, 0, 0, &l), SENET_ERR_SHAPE, NULL, NULL);
    if (CHECK(senet_loader_create(ds, as_is, 2, 0, 0, 0, &l) == SENET_OK)) {
        CHECK(senet_loader_num_batches(l) == 3);
        senet_batch b;
        int sizes[4] = {0}, order_ok = 1, k = 0;
        CHECK(senet_loader_start_epoch(l, 0, 0) == SENET_OK);
        for (int i = 0; i < 4 && senet_loader_next(l, &b) == SENET_OK && !b.end; i++) {
            sizes[i] = b.n;
            order_ok &= b.index == i && b.h == 32 && b.w == 32 && b.images != NULL;
            for (int j = 0; j < b.n; j++, k++)
                order_ok &= b.labels[j] == labels[k];
        }
        CHECK(sizes[0] == 2 && sizes[1] == 2 && sizes[2] == 1 && sizes[3] == 0 && k == 5 && order_ok);
        CHECK(senet_loader_next(l, &b) == SENET_OK && b.end);
        senet_loader_free(l);
    }
    senet_transform_free(as_is);
    senet_transform_free(too_big);
    senet_image_free(img);
    senet_dataset_free(ds);

    /* 2 of the 5 held out (round(0.4 * 5)), 3 kept, the same by the same seed */
    senet_dataset *whole = NULL, *held = NULL, *kept = NULL;
    CHECK(senet_dataset_open(folder, NULL, 0, &whole) == SENET_OK);
    CHECK(senet_dataset_hold_out(whole, 0.4, 1, 1, &held) == SENET_OK && senet_dataset_count(held) == 2);
    CHECK(senet_dataset_open(folder, NULL, 0, &whole) == SENET_OK);
    CHECK(senet_dataset_hold_out(whole, 0.4, 1, 0, &kept) == SENET_OK && senet_dataset_count(kept) == 3);
    CHECK(senet_dataset_num_classes(held) == 2 && strcmp(senet_dataset_class_name(kept, 1), "dog") == 0);
    senet_dataset_free(held);
    senet_dataset_free(kept);
    CHECK(senet_dataset_open(folder, NULL, 0, &whole) == SENET_OK);
    CHECK_FAILS(senet_dataset_hold_out(whole, 0.01, 1, 1, &held), SENET_ERR_ARGUMENT, "no images to validate on",
                NULL);
    CHECK(held == NULL);
}

static int dump(char **argv)
{
    const char *out = argv[2], *pipeline = argv[3], *norm = strcmp(argv[5], "-") ? argv[5] : NULL;
    int size = atoi(argv[4]);
    uint64_t seed = strtoull(argv[6], NULL, 10);
    senet_transform *t = NULL;
    senet_image *img = NULL;
    int status = strncmp(pipeline, "arch:", 5) == 0 ? senet_transform_for_arch(pipeline + 5, size, norm, &t)
                                                    : senet_transform_create(pipeline, size, norm, &t);
    int32_t dims[4] = {0};
    float *values = NULL;
    if (!status)
        status = senet_image_load(argv[7], &img);
    if (!status) {
        dims[0] = senet_image_height(img);
        dims[1] = senet_image_width(img);
        status = senet_transform_output_size(t, img, &dims[2], &dims[3]);
    }
    size_t n = (size_t)3 * dims[2] * dims[3];
    if (!status && !(values = malloc(n * sizeof *values)))
        status = SENET_ERR_NOMEM;
    if (!status)
        status = senet_transform_apply(t, img, seed, values, n);
    if (!status) {
        FILE *fp = fopen(out, "wb");
        if (!fp || fwrite(dims, sizeof dims, 1, fp) != 1 || fwrite(values, sizeof *values, n, fp) != n || fclose(fp))
            die(out);
    } else {
        fprintf(stderr, "dump: %s\n", senet_last_error());
    }
    free(values);
    senet_image_free(img);
    senet_transform_free(t);
    return status ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc == 8 && strcmp(argv[1], "dump") == 0)
        return dump(argv);
    if (argc == 3 && strcmp(argv[1], "names") == 0) { /* senet_class_names(K), one a line */
        int k = atoi(argv[2]);
        const char *const *names = senet_class_names(k);
        for (int i = 0; names && i < k; i++)
            printf("%s\n", names[i]);
        return names ? 0 : 1;
    }
    if (argc != 3 || strcmp(argv[1], "checks") != 0) {
        fprintf(stderr, "usage: %s checks FOLDER | dump OUT PIPELINE SIZE NORMALIZE SEED IMAGE | names K\n", argv[0]);
        return 2;
    }
    test_images(argv[2]);
    test_dataset(argv[2]);
    return finish();
}
