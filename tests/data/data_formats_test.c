/* The readers against facts of their formats, on files written here:
 *   PNG (written with libpng): RGB, grey, 1-bit grey, palette, RGBA,
 *     grey+alpha, 16-bit, interlaced give back the written pixels; truncated
 *     files, a bad CRC and absurd dimensions are refused naming the file;
 *   JPEG (written with libjpeg): grey expanded to 3 equal channels, Adobe
 *     CMYK converted; a file that is neither JPEG nor PNG is refused;
 *   IDX raw and gzip: counts, size, pixels, labels, class names; wrong
 *     magic, count mismatch, short and long files, truncated gzip refused;
 *   CIFAR-100: fine labels used, names; CIFAR sizes that are not whole
 *     records, labels out of range, empty files refused;
 *   folders: JPEG and PNG mixed, extensions in any case, other files and
 *     hidden ones ignored, byte-order class sorting, val/ as the test split,
 *     empty classes and missing splits refused; unknown format names. */
#include "data/dataset.h"
#include "data/decode.h"
#include "data_test_util.h"

#include <jpeglib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <png.h>
#include <zlib.h>

/* ---- writers ---- */

static void write_png(const char *path, int w, int h, int color_type, int depth, int interlace,
                      const unsigned char *data, size_t row_bytes, const png_color *palette, int npal)
{
    FILE *fp = fopen(path, "wb");
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    png_bytep *rows = malloc((size_t)h * sizeof *rows);
    if (!fp || !info || !rows)
        die(path);
    if (setjmp(png_jmpbuf(png)))
        die(path);
    png_init_io(png, fp);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, depth, color_type,
                 interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (palette)
        png_set_PLTE(png, info, palette, npal);
    png_write_info(png, info);
    for (int y = 0; y < h; y++)
        rows[y] = (png_bytep)data + (size_t)y * row_bytes;
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(rows);
    if (fclose(fp) != 0)
        die(path);
}

static void write_jpeg(const char *path, int w, int h, int components, J_COLOR_SPACE space, const unsigned char *data)
{
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr err;
    FILE *fp = fopen(path, "wb");
    if (!fp)
        die(path);
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    jpeg_stdio_dest(&c, fp);
    c.image_width = (JDIMENSION)w;
    c.image_height = (JDIMENSION)h;
    c.input_components = components;
    c.in_color_space = space;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 100, TRUE);
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = (JSAMPROW)data + (size_t)c.next_scanline * (size_t)w * (size_t)components;
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    if (fclose(fp) != 0)
        die(path);
}

/* ---- PNG ---- */

static int decode_equals(const char *path, int w, int h, const unsigned char *rgb)
{
    image_u8 img;
    image_init(&img);
    int ok = image_decode_file(path, &img) == SENET_OK && img.w == w && img.h == h &&
             memcmp(img.data, rgb, (size_t)w * (size_t)h * 3) == 0;
    image_free(&img);
    return ok;
}

static void test_png(void)
{
    enum { W = 9, H = 7 };
    unsigned char rgb[H][W][3], rgba[H][W][4], grey[H][W], grey_alpha[H][W][2], rgb16[H][W][6], expect[H][W][3];
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            unsigned char v[3] = {(unsigned char)(x * 29 + y), (unsigned char)(y * 37 + x * 3),
                                  (unsigned char)(250 - x * 11 - y * 7)};
            for (int c = 0; c < 3; c++) {
                rgb[y][x][c] = rgba[y][x][c] = v[c];
                rgb16[y][x][2 * c] = v[c];                          /* high byte */
                rgb16[y][x][2 * c + 1] = (unsigned char)(255 - v[c]); /* low byte, dropped */
            }
            rgba[y][x][3] = (unsigned char)(x * 20); /* alpha, dropped, not composited */
            grey[y][x] = grey_alpha[y][x][0] = (unsigned char)(y * 30 + x);
            grey_alpha[y][x][1] = 7;
        }
    write_png(scratch_path("rgb.png"), W, H, PNG_COLOR_TYPE_RGB, 8, 0, &rgb[0][0][0], W * 3, NULL, 0);
    CHECK(decode_equals(scratch_path("rgb.png"), W, H, &rgb[0][0][0]));
    write_png(scratch_path("interlaced.png"), W, H, PNG_COLOR_TYPE_RGB, 8, 1, &rgb[0][0][0], W * 3, NULL, 0);
    CHECK(decode_equals(scratch_path("interlaced.png"), W, H, &rgb[0][0][0]));
    write_png(scratch_path("rgba.png"), W, H, PNG_COLOR_TYPE_RGB_ALPHA, 8, 0, &rgba[0][0][0], W * 4, NULL, 0);
    CHECK(decode_equals(scratch_path("rgba.png"), W, H, &rgb[0][0][0]));
    write_png(scratch_path("rgb16.png"), W, H, PNG_COLOR_TYPE_RGB, 16, 0, &rgb16[0][0][0], W * 6, NULL, 0);
    CHECK(decode_equals(scratch_path("rgb16.png"), W, H, &rgb[0][0][0]));

    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            expect[y][x][0] = expect[y][x][1] = expect[y][x][2] = grey[y][x];
    write_png(scratch_path("grey.png"), W, H, PNG_COLOR_TYPE_GRAY, 8, 0, &grey[0][0], W, NULL, 0);
    CHECK(decode_equals(scratch_path("grey.png"), W, H, &expect[0][0][0]));
    write_png(scratch_path("grey_alpha.png"), W, H, PNG_COLOR_TYPE_GRAY_ALPHA, 8, 0, &grey_alpha[0][0][0], W * 2,
              NULL, 0);
    CHECK(decode_equals(scratch_path("grey_alpha.png"), W, H, &expect[0][0][0]));

    /* 1-bit grey: 8 pixels a byte, most significant first; 0 -> 0, 1 -> 255. */
    unsigned char bits[H][2];
    for (int y = 0; y < H; y++) {
        bits[y][0] = (unsigned char)(0xA5 ^ y);
        bits[y][1] = (unsigned char)(y & 1 ? 0x80 : 0x00);
        for (int x = 0; x < W; x++) {
            int bit = bits[y][x / 8] >> (7 - x % 8) & 1;
            expect[y][x][0] = expect[y][x][1] = expect[y][x][2] = (unsigned char)(bit ? 255 : 0);
        }
    }
    write_png(scratch_path("bits.png"), W, H, PNG_COLOR_TYPE_GRAY, 1, 0, &bits[0][0], 2, NULL, 0);
    CHECK(decode_equals(scratch_path("bits.png"), W, H, &expect[0][0][0]));

    /* An 8-bit palette of 5 colours. */
    png_color palette[5] = {{255, 0, 0}, {0, 255, 0}, {0, 0, 255}, {12, 34, 56}, {200, 201, 202}};
    unsigned char index[H][W];
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            index[y][x] = (unsigned char)((x + 2 * y) % 5);
            expect[y][x][0] = palette[index[y][x]].red;
            expect[y][x][1] = palette[index[y][x]].green;
            expect[y][x][2] = palette[index[y][x]].blue;
        }
    write_png(scratch_path("palette.png"), W, H, PNG_COLOR_TYPE_PALETTE, 8, 0, &index[0][0], W, palette, 5);
    CHECK(decode_equals(scratch_path("palette.png"), W, H, &expect[0][0][0]));

    /* Damage: truncation, a bad CRC, dimensions over the limit. */
    size_t n;
    unsigned char *png = read_bytes(scratch_path("rgb.png"), &n);
    image_u8 img;
    image_init(&img);
    const char *bad = scratch_path("bad.png");
    write_bytes(bad, png, n - 20);
    CHECK_FAILS(image_decode_file(bad, &img), SENET_ERR_FORMAT, bad, "PNG");
    write_bytes(bad, png, 40);
    CHECK_FAILS(image_decode_file(bad, &img), SENET_ERR_FORMAT, bad, "PNG");
    unsigned char *copy = malloc(n);
    memcpy(copy, png, n);
    copy[n - 20] ^= 0x55; /* inside IDAT */
    write_bytes(bad, copy, n);
    CHECK_FAILS(image_decode_file(bad, &img), SENET_ERR_FORMAT, bad, "PNG");
    memcpy(copy, png, n);
    copy[16] = 0x00, copy[17] = 0x0F, copy[18] = 0x42, copy[19] = 0x40; /* IHDR width 1000000 */
    uLong crc = crc32(0, copy + 12, 17);                                /* "IHDR" + 13 data bytes */
    copy[29] = (unsigned char)(crc >> 24), copy[30] = (unsigned char)(crc >> 16);
    copy[31] = (unsigned char)(crc >> 8), copy[32] = (unsigned char)crc;
    write_bytes(bad, copy, n);
    CHECK_FAILS(image_decode_file(bad, &img), SENET_ERR_FORMAT, bad, "width");
    free(copy);
    free(png);
    image_free(&img);
}

/* ---- JPEG beyond the archive's colour images ---- */

static void test_jpeg(void)
{
    enum { W = 16, H = 8 };
    unsigned char grey[H][W], cmyk[H][W][4];
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            grey[y][x] = (unsigned char)(100 + x + y); /* smooth: q100 keeps it within a level or two */
            cmyk[y][x][0] = 200, cmyk[y][x][1] = 100, cmyk[y][x][2] = 50, cmyk[y][x][3] = 150;
        }
    image_u8 img;
    image_init(&img);
    write_jpeg(scratch_path("grey.jpg"), W, H, 1, JCS_GRAYSCALE, &grey[0][0]);
    if (CHECK(image_decode_file(scratch_path("grey.jpg"), &img) == SENET_OK && img.w == W && img.h == H)) {
        int equal = 1, close = 1;
        for (int i = 0; i < W * H; i++) {
            equal &= img.data[3 * i] == img.data[3 * i + 1] && img.data[3 * i] == img.data[3 * i + 2];
            close &= abs(img.data[3 * i] - (&grey[0][0])[i]) <= 2;
        }
        CHECK(equal);
        CHECK(close);
    }
    /* libjpeg writes CMYK with an Adobe marker, read as Photoshop's inverted
     * CMYK: R = C * K / 255 on the stored values (as PIL converts it). */
    write_jpeg(scratch_path("cmyk.jpg"), W, H, 4, JCS_CMYK, &cmyk[0][0][0]);
    if (CHECK(image_decode_file(scratch_path("cmyk.jpg"), &img) == SENET_OK && img.w == W && img.h == H)) {
        int close = 1;
        for (int i = 0; i < W * H; i++)
            close &= abs(img.data[3 * i] - 118) <= 3 && abs(img.data[3 * i + 1] - 59) <= 3 &&
                     abs(img.data[3 * i + 2] - 29) <= 3;
        CHECK(close);
    }
    const char *text = scratch_path("notes.jpg");
    write_bytes(text, "hello, world\n", 13);
    CHECK_FAILS(image_decode_file(text, &img), SENET_ERR_FORMAT, text, "not a JPEG or PNG");
    write_bytes(text, "", 0);
    CHECK_FAILS(image_decode_file(text, &img), SENET_ERR_FORMAT, text, "not a JPEG or PNG");
    CHECK_FAILS(image_decode_file(scratch_path("missing.jpg"), &img), SENET_ERR_IO, "missing.jpg", NULL);
    image_free(&img);
}

/* ---- IDX ---- */

enum { IDX_ROWS = 5, IDX_COLS = 4 };

static unsigned char idx_pixel(int i, int y, int x) { return (unsigned char)(i * 31 + y * IDX_COLS + x); }
static int idx_label_of(int i) { return i == 6 ? 3 : i % 10; }

/* The bytes of an IDX images file of n images (magic given), or labels. */
static unsigned char *idx_images(int n, unsigned magic, size_t *size)
{
    *size = 16 + (size_t)n * IDX_ROWS * IDX_COLS;
    unsigned char *b = malloc(*size);
    unsigned head[4] = {magic, (unsigned)n, IDX_ROWS, IDX_COLS};
    for (int k = 0; k < 4; k++)
        for (int j = 0; j < 4; j++)
            b[4 * k + j] = (unsigned char)(head[k] >> (24 - 8 * j));
    for (int i = 0; i < n; i++)
        for (int y = 0; y < IDX_ROWS; y++)
            for (int x = 0; x < IDX_COLS; x++)
                b[16 + (size_t)i * IDX_ROWS * IDX_COLS + (size_t)y * IDX_COLS + (size_t)x] = idx_pixel(i, y, x);
    return b;
}

static unsigned char *idx_labels(int n, size_t *size)
{
    *size = 8 + (size_t)n;
    unsigned char *b = malloc(*size);
    unsigned head[2] = {0x801, (unsigned)n};
    for (int k = 0; k < 2; k++)
        for (int j = 0; j < 4; j++)
            b[4 * k + j] = (unsigned char)(head[k] >> (24 - 8 * j));
    for (int i = 0; i < n; i++)
        b[8 + i] = (unsigned char)idx_label_of(i);
    return b;
}

static void write_gz(const char *path, const unsigned char *b, size_t n)
{
    gzFile f = gzopen(path, "wb");
    if (!f || gzwrite(f, b, (unsigned)n) != (int)n || gzclose(f) != Z_OK)
        die(path);
}

/* DIR gets a train split of 7 and a test split of 3, raw or gzip. */
static void write_idx_set(const char *dir, int gz)
{
    make_dir(dir);
    static const char *const names[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                         "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
    for (int k = 0; k < 4; k++) {
        size_t size;
        int n = k < 2 ? 7 : 3;
        unsigned char *b = k % 2 ? idx_labels(n, &size) : idx_images(n, 0x803, &size);
        char path[512];
        snprintf(path, sizeof path, "%s/%s%s", dir, names[k], gz ? ".gz" : "");
        if (gz)
            write_gz(path, b, size);
        else
            write_bytes(path, b, size);
        free(b);
    }
}

static void check_idx(const char *dir, const char *format, int train, const char *class0)
{
    dataset *ds;
    if (!CHECK(dataset_open(dir, format, train, &ds) == SENET_OK))
        return;
    int n = train ? 7 : 3, h, w;
    dataset_image_size(ds, &h, &w);
    CHECK(strcmp(dataset_format(ds), "idx") == 0);
    CHECK(dataset_count(ds) == n && h == IDX_ROWS && w == IDX_COLS);
    CHECK(dataset_num_classes(ds) == 10 && strcmp(dataset_class_name(ds, 0), class0) == 0);
    image_u8 img;
    image_init(&img);
    int pixels = 1, labels = 1;
    for (int i = 0; i < n; i++) {
        if (!CHECK(dataset_get(ds, i, &img) == SENET_OK && img.h == IDX_ROWS && img.w == IDX_COLS))
            break;
        for (int y = 0; y < IDX_ROWS; y++)
            for (int x = 0; x < IDX_COLS; x++)
                for (int c = 0; c < 3; c++)
                    pixels &= img.data[(y * IDX_COLS + x) * 3 + c] == idx_pixel(i, y, x);
        labels &= img.label == idx_label_of(i) && dataset_label(ds, i) == idx_label_of(i);
    }
    CHECK(pixels);
    CHECK(labels);
    image_free(&img);
    dataset_free(ds);
}

static void test_idx(void)
{
    write_idx_set(scratch_path("mnist_raw"), 0);
    write_idx_set(scratch_path("mnist_gz"), 1);
    write_idx_set(scratch_path("fashion-mnist"), 1);
    for (int train = 0; train < 2; train++) {
        check_idx(scratch_path("mnist_raw"), NULL, train, "0");
        check_idx(scratch_path("mnist_gz"), NULL, train, "0");
        check_idx(scratch_path("fashion-mnist"), NULL, train, "T-shirt/top");
    }
    check_idx(scratch_path("fashion-mnist"), "mnist", 1, "0");
    check_idx(scratch_path("mnist_raw"), "fashion-mnist", 1, "T-shirt/top");

    dataset *ds;
    size_t size, lsize;
    const char *dir = scratch_path("idx_bad");
    write_idx_set(dir, 0);
    const char *images = scratch_path("idx_bad/train-images-idx3-ubyte");
    const char *labels = scratch_path("idx_bad/train-labels-idx1-ubyte");
    unsigned char *b = idx_images(7, 0x804, &size);
    write_bytes(images, b, size);
    CHECK_FAILS(dataset_open(dir, NULL, 1, &ds), SENET_ERR_FORMAT, images, "magic 0x00000804");
    free(b);
    b = idx_images(7, 0x803, &size);
    write_bytes(images, b, size - 5);
    CHECK_FAILS(dataset_open(dir, NULL, 1, &ds), SENET_ERR_FORMAT, images, "holds 135 data bytes where the header promises 140");
    unsigned char *longer = calloc(1, size + 3);
    memcpy(longer, b, size);
    write_bytes(images, longer, size + 3);
    CHECK_FAILS(dataset_open(dir, NULL, 1, &ds), SENET_ERR_FORMAT, images, "follow");
    free(longer);
    write_bytes(images, b, size);
    unsigned char *l = idx_labels(6, &lsize);
    write_bytes(labels, l, lsize);
    CHECK_FAILS(dataset_open(dir, NULL, 1, &ds), SENET_ERR_FORMAT, "7 images", "6 labels");
    write_bytes(labels, b, size); /* an images file where the labels belong */
    CHECK_FAILS(dataset_open(dir, NULL, 1, &ds), SENET_ERR_FORMAT, labels, "magic");
    free(l);
    free(b);
    write_bytes(images, "\0\0", 2);
    CHECK_FAILS(dataset_open(dir, "idx", 1, &ds), SENET_ERR_FORMAT, images, "too short");
    /* A gzip file cut in half. */
    unsigned char *gz = read_bytes(scratch_path("mnist_gz/train-images-idx3-ubyte.gz"), &size);
    make_dir(scratch_path("idx_gz_bad"));
    write_idx_set(scratch_path("idx_gz_bad"), 1);
    const char *gzpath = scratch_path("idx_gz_bad/train-images-idx3-ubyte.gz");
    write_bytes(gzpath, gz, size / 2);
    CHECK_FAILS(dataset_open(scratch_path("idx_gz_bad"), "idx", 1, &ds), SENET_ERR_FORMAT, gzpath, NULL);
    free(gz);
    /* A header promising 4 GB over 10 data bytes (found by fuzz_idx): the
     * reader must call the file short without allocating the 4 GB first. In
     * a child under a 1 GB address-space limit, where that allocation would
     * fail (not under ASan, which reserves far more address space). */
    make_dir(scratch_path("idx_huge"));
    unsigned char huge[26] = {0, 0, 8, 3, 0, 0x0f, 0x42, 0x40, 0, 0, 0, 64, 0, 0, 0, 64}; /* 1000000 x 64 x 64 */
    const char *huge_path = scratch_path("idx_huge/train-images-idx3-ubyte");
    write_bytes(huge_path, huge, sizeof huge);
    l = idx_labels(1000000, &lsize);
    write_bytes(scratch_path("idx_huge/train-labels-idx1-ubyte"), l, lsize);
    free(l);
    fflush(stderr);
    pid_t child = fork();
    if (child == 0) {
#ifndef __SANITIZE_ADDRESS__
        struct rlimit limit = {1ul << 30, 1ul << 30};
        setrlimit(RLIMIT_AS, &limit);
#endif
        int got = dataset_open(scratch_path("idx_huge"), "mnist", 1, &ds);
        _exit(got == SENET_ERR_FORMAT && strstr(senet_last_error(), "holds 10 data bytes") ? 0 : 1);
    }
    int child_status = -1;
    waitpid(child, &child_status, 0);
    CHECK(WIFEXITED(child_status) && WEXITSTATUS(child_status) == 0);
    /* The labels of the test split are missing. */
    make_dir(scratch_path("idx_half"));
    b = idx_images(3, 0x803, &size);
    write_bytes(scratch_path("idx_half/t10k-images-idx3-ubyte"), b, size);
    free(b);
    CHECK_FAILS(dataset_open(scratch_path("idx_half"), NULL, 0, &ds), SENET_ERR_IO, "t10k-labels-idx1-ubyte", NULL);
}

/* ---- CIFAR-100 and malformed CIFAR ---- */

static void test_cifar(void)
{
    enum { N = 4, REC = 3074 };
    static const int fine[N] = {0, 99, 42, 7}, coarse[N] = {4, 19, 0, 3};
    unsigned char *buf = malloc(N * REC);
    for (int i = 0; i < N; i++) {
        buf[i * REC] = (unsigned char)coarse[i];
        buf[i * REC + 1] = (unsigned char)fine[i];
        for (int p = 0; p < 3072; p++)
            buf[i * REC + 2 + p] = (unsigned char)(p * 7 + i);
    }
    make_dir(scratch_path("c100"));
    write_bytes(scratch_path("c100/train.bin"), buf, N * REC);
    write_bytes(scratch_path("c100/test.bin"), buf, 2 * REC);
    dataset *ds;
    if (CHECK(dataset_open(scratch_path("c100"), NULL, 1, &ds) == SENET_OK)) {
        CHECK(strcmp(dataset_format(ds), "cifar100") == 0 && dataset_count(ds) == N);
        CHECK(dataset_num_classes(ds) == 100 && strcmp(dataset_class_name(ds, 0), "apple") == 0 &&
              strcmp(dataset_class_name(ds, 99), "worm") == 0 && strcmp(dataset_class_name(ds, 42), "leopard") == 0);
        image_u8 img;
        image_init(&img);
        int ok = 1;
        for (int i = 0; i < N; i++) {
            ok &= dataset_get(ds, i, &img) == SENET_OK && img.label == fine[i] && dataset_label(ds, i) == fine[i];
            for (int p = 0; p < 1024 && ok; p++)
                for (int c = 0; c < 3; c++) /* plane c, pixel p -> (y, x, c) */
                    ok &= img.data[3 * p + c] == (unsigned char)((c * 1024 + p) * 7 + i);
        }
        CHECK(ok);
        image_free(&img);
        dataset_free(ds);
    }
    if (CHECK(dataset_open(scratch_path("c100"), "cifar100", 0, &ds) == SENET_OK)) {
        CHECK(dataset_count(ds) == 2);
        dataset_free(ds);
    }
    const char *c100_test = scratch_path("c100/test.bin");
    if (CHECK(dataset_open(c100_test, NULL, 1, &ds) == SENET_OK)) { /* a single file named test.bin */
        CHECK(strcmp(dataset_format(ds), "cifar100") == 0 && dataset_count(ds) == 2);
        dataset_free(ds);
    }
    write_bytes(c100_test, buf, 2 * REC - 1);
    CHECK_FAILS(dataset_open(scratch_path("c100"), NULL, 0, &ds), SENET_ERR_FORMAT, c100_test, "3074");
    buf[REC + 1] = 100;
    write_bytes(c100_test, buf, 2 * REC);
    CHECK_FAILS(dataset_open(scratch_path("c100"), NULL, 0, &ds), SENET_ERR_FORMAT, c100_test, "fine label 100");

    /* CIFAR-10: a size that is not whole records, a label out of range, an empty file. */
    make_dir(scratch_path("c10"));
    const char *test_batch = scratch_path("c10/test_batch.bin");
    memset(buf, 0, N * REC);
    write_bytes(test_batch, buf, 3073 * 2 + 5);
    CHECK_FAILS(dataset_open(scratch_path("c10"), NULL, 0, &ds), SENET_ERR_FORMAT, test_batch, "multiple of 3073");
    buf[3073] = 12;
    write_bytes(test_batch, buf, 3073 * 2);
    CHECK_FAILS(dataset_open(scratch_path("c10"), NULL, 0, &ds), SENET_ERR_FORMAT, test_batch, "label 12");
    write_bytes(test_batch, buf, 0);
    CHECK_FAILS(dataset_open(scratch_path("c10"), NULL, 0, &ds), SENET_ERR_FORMAT, test_batch, "3073");
    CHECK(ds == NULL);
    free(buf);
}

/* ---- folders and format names ---- */

static void test_folder(void)
{
    unsigned char rgb[2][3][3];
    memset(rgb, 90, sizeof rgb);
    /* classes "B", "a", "c" sort to B, a, c (byte order: upper case first) */
    make_dir(scratch_path("imgs/train/a"));
    make_dir(scratch_path("imgs/train/B"));
    make_dir(scratch_path("imgs/train/c"));
    make_dir(scratch_path("imgs/train/.hidden"));
    make_dir(scratch_path("imgs/val/a"));
    write_png(scratch_path("imgs/train/a/2.PNG"), 3, 2, PNG_COLOR_TYPE_RGB, 8, 0, &rgb[0][0][0], 9, NULL, 0);
    write_jpeg(scratch_path("imgs/train/a/1.jpeg"), 3, 2, 3, JCS_RGB, &rgb[0][0][0]);
    write_bytes(scratch_path("imgs/train/a/readme.txt"), "x", 1);
    write_jpeg(scratch_path("imgs/train/a/.0.jpg"), 3, 2, 3, JCS_RGB, &rgb[0][0][0]);
    write_jpeg(scratch_path("imgs/train/B/x.JPG"), 3, 2, 3, JCS_RGB, &rgb[0][0][0]);
    write_png(scratch_path("imgs/train/c/y.png"), 3, 2, PNG_COLOR_TYPE_RGB, 8, 0, &rgb[0][0][0], 9, NULL, 0);
    write_png(scratch_path("imgs/val/a/z.png"), 3, 2, PNG_COLOR_TYPE_RGB, 8, 0, &rgb[0][0][0], 9, NULL, 0);
    dataset *ds;
    if (CHECK(dataset_open(scratch_path("imgs"), NULL, 1, &ds) == SENET_OK)) {
        CHECK(dataset_count(ds) == 4 && dataset_num_classes(ds) == 3);
        CHECK(strcmp(dataset_class_name(ds, 0), "B") == 0 && strcmp(dataset_class_name(ds, 1), "a") == 0 &&
              strcmp(dataset_class_name(ds, 2), "c") == 0);
        CHECK(dataset_label(ds, 0) == 0 && dataset_label(ds, 1) == 1 && dataset_label(ds, 2) == 1 &&
              dataset_label(ds, 3) == 2);
        image_u8 img;
        image_init(&img);
        int ok = 1;
        for (int i = 0; i < 4; i++) {
            ok &= dataset_get(ds, i, &img) == SENET_OK && img.w == 3 && img.h == 2;
            for (int p = 0; p < 18 && ok; p++)
                ok &= abs(img.data[p] - 90) <= 1;
        }
        CHECK(ok);
        image_free(&img);
        dataset_free(ds);
    }
    if (CHECK(dataset_open(scratch_path("imgs"), NULL, 0, &ds) == SENET_OK)) { /* val/ */
        CHECK(dataset_count(ds) == 1 && dataset_num_classes(ds) == 1);
        dataset_free(ds);
    }
    make_dir(scratch_path("imgs/train/d"));
    CHECK_FAILS(dataset_open(scratch_path("imgs"), NULL, 1, &ds), SENET_ERR_FORMAT, "imgs/train/d",
                "class folder without");
    make_dir(scratch_path("only_train/train/a"));
    CHECK_FAILS(dataset_open(scratch_path("only_train"), NULL, 0, &ds), SENET_ERR_IO, "only_train",
                "no test/ or val/");
    make_dir(scratch_path("empty"));
    CHECK_FAILS(dataset_open(scratch_path("empty"), NULL, 1, &ds), SENET_ERR_ARGUMENT, "empty", "no class folders");
    CHECK_FAILS(dataset_open(scratch_path("nowhere"), NULL, 1, &ds), SENET_ERR_IO, "nowhere", NULL);
    CHECK_FAILS(dataset_open(scratch_path("imgs"), "tfrecord", 1, &ds), SENET_ERR_ARGUMENT, "tfrecord", NULL);
    CHECK_FAILS(dataset_open(scratch_path("imgs/train/a/readme.txt"), NULL, 1, &ds), SENET_ERR_ARGUMENT,
                "readme.txt", NULL);
    CHECK(ds == NULL);
}

int main(void)
{
    make_scratch("data_formats_test");
    test_png();
    test_jpeg();
    test_idx();
    test_cifar();
    test_folder();
    return finish();
}
