/* The CIFAR-10 binary and image-folder readers on real images.
 *
 * A few images are extracted from the CIFAR-10 JPEG archive of the shared
 * data folder (path in argv[1]): 3 per class from train/, 2 from test/.
 * Their pixels are decoded by an independent reference (djpeg from
 * libjpeg-turbo-progs and/or PIL from python3-pil; at least one must be
 * installed, and where both are they must agree). Then:
 *   - the folder reader gives the tree back: counts, classes airplane..truck
 *     in sorted order, labels, and exactly the reference pixels;
 *   - CIFAR-10 binary files written from the reference pixels
 *     (data_batch_1..5.bin, test_batch.bin) read back to the same labels
 *     and pixels, through detection, a named format, a single file and the
 *     official archive's folder name;
 *   - a truncated JPEG and one claiming absurd dimensions are refused with
 *     messages naming the file. */
#include "data/dataset.h"
#include "data/decode.h"
#include "data_test_util.h"

#include <stdint.h>
#include <unistd.h>

#define NCLASS 10
#define NTRAIN 3 /* images per class extracted from train/ */
#define NTEST 2  /* and from test/ */
#define PIXELS 3072

static const char *const classes[NCLASS] = {"airplane", "automobile", "bird",  "cat",  "deer",
                                            "dog",      "frog",       "horse", "ship", "truck"};

/* Reference pixels (32, 32, 3) of train image c*NTRAIN+k and test image c*NTEST+k. */
static unsigned char ref_train[NCLASS * NTRAIN][PIXELS], ref_test[NCLASS * NTEST][PIXELS];

static const char *image_path(int train, int c, int k)
{
    char name[64];
    snprintf(name, sizeof name, "tree/%s/%s/%04d.jpg", train ? "train" : "test", classes[c], k);
    return scratch_path(name);
}

/* djpeg's pixels of PATH as 32x32 RGB; 0 on success. */
static int djpeg_decode(const char *path, unsigned char *px)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "djpeg -pnm '%s' 2>/dev/null", path);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    int w = 0, h = 0, max = 0;
    int ok = fscanf(p, "P6 %d %d %d", &w, &h, &max) == 3 && fgetc(p) != EOF && w == 32 && h == 32 && max == 255 &&
             fread(px, 1, PIXELS, p) == PIXELS;
    return pclose(p) == 0 && ok ? 0 : -1;
}

/* PIL's pixels of N files (convert("RGB")), one python run; 0 on success. */
static int pil_decode(const char *const *paths, int n, unsigned char (*px)[PIXELS])
{
    static const char script[] = "import sys, struct\n"
                                 "from PIL import Image\n"
                                 "for p in sys.argv[1:]:\n"
                                 "    im = Image.open(p).convert('RGB')\n"
                                 "    sys.stdout.buffer.write(struct.pack('<ii', im.width, im.height) + im.tobytes())\n";
    size_t len = sizeof script + 64;
    for (int i = 0; i < n; i++)
        len += strlen(paths[i]) + 3;
    char *cmd = malloc(len);
    if (!cmd)
        die("malloc");
    size_t at = (size_t)snprintf(cmd, len, "/usr/bin/python3 -c \"%s\"", script);
    for (int i = 0; i < n; i++)
        at += (size_t)snprintf(cmd + at, len - at, " '%s'", paths[i]);
    FILE *p = popen(cmd, "r");
    free(cmd);
    if (!p)
        return -1;
    int ok = 1;
    for (int i = 0; i < n && ok; i++) {
        int32_t wh[2];
        ok = fread(wh, sizeof wh, 1, p) == 1 && wh[0] == 32 && wh[1] == 32 && fread(px[i], 1, PIXELS, p) == PIXELS;
    }
    return pclose(p) == 0 && ok ? 0 : -1;
}

/* Fills the reference pixels; returns how many references agreed (0: none ran). */
static int decode_references(void)
{
    static unsigned char pil[NCLASS * (NTRAIN + NTEST)][PIXELS];
    int have_djpeg = system("command -v djpeg >/dev/null 2>&1") == 0;
    int have_pil = system("/usr/bin/python3 -c 'import PIL.Image' >/dev/null 2>&1") == 0;
    const char *paths[NCLASS * (NTRAIN + NTEST)];
    unsigned char *dst[NCLASS * (NTRAIN + NTEST)];
    int n = 0;
    for (int c = 0; c < NCLASS; c++)
        for (int k = 0; k < NTRAIN; k++) {
            dst[n] = ref_train[c * NTRAIN + k];
            paths[n++] = strdup(image_path(1, c, k));
        }
    for (int c = 0; c < NCLASS; c++)
        for (int k = 0; k < NTEST; k++) {
            dst[n] = ref_test[c * NTEST + k];
            paths[n++] = strdup(image_path(0, c, k));
        }
    int refs = 0;
    if (have_djpeg) {
        int ok = 1;
        for (int i = 0; i < n && ok; i++)
            ok = djpeg_decode(paths[i], dst[i]) == 0;
        CHECK(ok);
        refs += ok;
    }
    if (have_pil) {
        int ok = pil_decode(paths, n, pil) == 0;
        CHECK(ok);
        if (ok && refs) {
            int same = 1;
            for (int i = 0; i < n; i++)
                same &= memcmp(pil[i], dst[i], PIXELS) == 0;
            CHECK(same); /* djpeg and PIL agree */
        } else if (ok) {
            for (int i = 0; i < n; i++)
                memcpy(dst[i], pil[i], PIXELS);
        }
        refs += ok;
    }
    for (int i = 0; i < n; i++)
        free((void *)paths[i]);
    printf("reference JPEG decoders: %s%s\n", have_djpeg ? "djpeg " : "", have_pil ? "PIL" : "");
    return refs;
}

/* Every image of DS equals the reference in order, with label index / per_class. */
static void check_images(const dataset *ds, unsigned char (*ref)[PIXELS], int per_class)
{
    image_u8 img;
    image_init(&img);
    int n = (int)dataset_count(ds), same = 1, labels = 1;
    for (int i = 0; i < n; i++) {
        if (!CHECK(dataset_get(ds, i, &img) == SENET_OK && img.h == 32 && img.w == 32))
            break;
        same &= memcmp(img.data, ref[i], PIXELS) == 0;
        labels &= img.label == i / per_class && dataset_label(ds, i) == i / per_class;
    }
    CHECK(same);
    CHECK(labels);
    image_free(&img);
}

static void test_folder(void)
{
    dataset *ds;
    const char *tree = scratch_path("tree");
    if (!CHECK(dataset_open(tree, NULL, 1, &ds) == SENET_OK))
        return;
    CHECK(strcmp(dataset_format(ds), "folder") == 0);
    CHECK(dataset_count(ds) == NCLASS * NTRAIN);
    CHECK(dataset_num_classes(ds) == NCLASS);
    int names = 1;
    for (int c = 0; c < NCLASS; c++)
        names &= strcmp(dataset_class_name(ds, c), classes[c]) == 0;
    CHECK(names);
    CHECK(dataset_class_name(ds, NCLASS) == NULL && dataset_class_name(ds, -1) == NULL);
    int h, w;
    dataset_image_size(ds, &h, &w);
    CHECK(h == 0 && w == 0);
    CHECK(dataset_label(ds, 0) == 0 && dataset_label(ds, NTRAIN) == 1 && dataset_label(ds, NCLASS * NTRAIN) == -1);
    check_images(ds, ref_train, NTRAIN);
    image_u8 img;
    image_init(&img);
    CHECK_FAILS(dataset_get(ds, NCLASS * NTRAIN, &img), SENET_ERR_ARGUMENT, "out of range", NULL);
    image_free(&img);
    dataset_free(ds);

    if (CHECK(dataset_open(tree, "folder", 0, &ds) == SENET_OK)) {
        CHECK(dataset_count(ds) == NCLASS * NTEST && dataset_num_classes(ds) == NCLASS);
        check_images(ds, ref_test, NTEST);
        dataset_free(ds);
    }
    /* Without split folders the classes sit directly under the path, for both splits. */
    for (int train = 0; train < 2; train++)
        if (CHECK(dataset_open(scratch_path("tree/train"), NULL, train, &ds) == SENET_OK)) {
            CHECK(dataset_count(ds) == NCLASS * NTRAIN);
            check_images(ds, ref_train, NTRAIN);
            dataset_free(ds);
        }
}

/* Writes N records of the reference pixels as a CIFAR-10 batch file. */
static void write_cifar10(const char *path, unsigned char (*ref)[PIXELS], int first, int n, int per_class)
{
    unsigned char *buf = malloc((size_t)n * (PIXELS + 1));
    if (!buf)
        die("malloc");
    for (int i = 0; i < n; i++) {
        unsigned char *rec = buf + (size_t)i * (PIXELS + 1);
        rec[0] = (unsigned char)((first + i) / per_class);
        for (int p = 0; p < 1024; p++)
            for (int ch = 0; ch < 3; ch++)
                rec[1 + ch * 1024 + p] = ref[first + i][3 * p + ch];
    }
    write_bytes(path, buf, (size_t)n * (PIXELS + 1));
    free(buf);
}

static void test_cifar_binary(void)
{
    make_dir(scratch_path("bin"));
    int per_file = NCLASS * NTRAIN / 5; /* 6 records in each of the five training batches */
    for (int f = 0; f < 5; f++) {
        char name[64];
        snprintf(name, sizeof name, "bin/data_batch_%d.bin", f + 1);
        write_cifar10(scratch_path(name), ref_train, f * per_file, per_file, NTRAIN);
    }
    write_cifar10(scratch_path("bin/test_batch.bin"), ref_test, 0, NCLASS * NTEST, NTEST);

    dataset *ds;
    if (CHECK(dataset_open(scratch_path("bin"), NULL, 1, &ds) == SENET_OK)) {
        CHECK(strcmp(dataset_format(ds), "cifar10") == 0);
        CHECK(dataset_count(ds) == NCLASS * NTRAIN && dataset_num_classes(ds) == NCLASS);
        CHECK(strcmp(dataset_class_name(ds, 0), "airplane") == 0 && strcmp(dataset_class_name(ds, 9), "truck") == 0);
        int h, w;
        dataset_image_size(ds, &h, &w);
        CHECK(h == 32 && w == 32);
        check_images(ds, ref_train, NTRAIN);
        dataset_free(ds);
    }
    if (CHECK(dataset_open(scratch_path("bin"), "cifar10", 0, &ds) == SENET_OK)) {
        CHECK(dataset_count(ds) == NCLASS * NTEST);
        check_images(ds, ref_test, NTEST);
        dataset_free(ds);
    }
    if (CHECK(dataset_open(scratch_path("bin/test_batch.bin"), NULL, 1, &ds) == SENET_OK)) {
        CHECK(strcmp(dataset_format(ds), "cifar10") == 0 && dataset_count(ds) == NCLASS * NTEST);
        check_images(ds, ref_test, NTEST);
        dataset_free(ds);
    }
    /* The official archive unpacks to cifar-10-batches-bin/; its parent works too. */
    make_dir(scratch_path("official"));
    if (symlink(scratch_path("bin"), scratch_path("official/cifar-10-batches-bin")) != 0)
        die("symlink");
    for (int named = 0; named < 2; named++)
        if (CHECK(dataset_open(scratch_path("official"), named ? "cifar10" : NULL, 1, &ds) == SENET_OK)) {
            CHECK(strcmp(dataset_format(ds), "cifar10") == 0 && dataset_count(ds) == NCLASS * NTRAIN);
            dataset_free(ds);
        }
    /* A training set with a batch missing is an error naming the missing file. */
    make_dir(scratch_path("partial"));
    write_cifar10(scratch_path("partial/data_batch_1.bin"), ref_train, 0, per_file, NTRAIN);
    CHECK_FAILS(dataset_open(scratch_path("partial"), NULL, 1, &ds), SENET_ERR_IO, "partial/data_batch_2.bin", NULL);
    CHECK(ds == NULL);
}

static void test_damaged_jpeg(void)
{
    size_t n;
    unsigned char *jpg = read_bytes(image_path(1, 3, 0), &n);
    image_u8 img;
    image_init(&img);
    CHECK(image_decode_memory(jpg, n, "cat", &img) == SENET_OK && img.h == 32 && img.w == 32 &&
          memcmp(img.data, ref_train[3 * NTRAIN], PIXELS) == 0);

    const char *cut = scratch_path("truncated.jpg");
    write_bytes(cut, jpg, n / 2);
    CHECK_FAILS(image_decode_file(cut, &img), SENET_ERR_FORMAT, cut, "JPEG");
    write_bytes(cut, jpg, 300);
    CHECK_FAILS(image_decode_file(cut, &img), SENET_ERR_FORMAT, cut, "JPEG");

    /* A baseline frame header (FF C0, length, precision, height, width) set to 60000 x 60000. */
    size_t sof = 0;
    for (size_t i = 2; i + 9 < n && !sof; i++)
        if (jpg[i] == 0xFF && jpg[i + 1] == 0xC0)
            sof = i;
    CHECK(sof > 0);
    jpg[sof + 5] = jpg[sof + 7] = 0xEA;
    jpg[sof + 6] = jpg[sof + 8] = 0x60;
    const char *huge = scratch_path("huge.jpg");
    write_bytes(huge, jpg, n);
    CHECK_FAILS(image_decode_file(huge, &img), SENET_ERR_FORMAT, huge, "60000 x 60000");

    /* In a folder dataset the failing image is named by dataset_get. */
    make_dir(scratch_path("broken/a"));
    write_bytes(scratch_path("broken/a/0.jpg"), jpg, n / 2);
    dataset *ds;
    if (CHECK(dataset_open(scratch_path("broken"), NULL, 1, &ds) == SENET_OK)) {
        CHECK_FAILS(dataset_get(ds, 0, &img), SENET_ERR_FORMAT, "broken/a/0.jpg", NULL);
        dataset_free(ds);
    }
    image_free(&img);
    free(jpg);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s cifar10-jpeg.tar.gz\n", argv[0]);
        return 2;
    }
    if (access(argv[1], R_OK) != 0) {
        fprintf(stderr, "FAIL: the CIFAR-10 archive %s is not there\n", argv[1]);
        return 1;
    }
    make_scratch("data_cifar_folder_test");
    make_dir(scratch_path("tree"));
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "tar -xzf '%s' -C '%s' --wildcards 'train/*/000[0-%d].jpg' 'test/*/000[0-%d].jpg'",
             argv[1], scratch_path("tree"), NTRAIN - 1, NTEST - 1);
    if (system(cmd) != 0)
        die(cmd);
    if (!CHECK(decode_references() > 0)) {
        fprintf(stderr, "no reference JPEG decoder ran: install libjpeg-turbo-progs (djpeg) or python3-pil\n");
        return finish();
    }
    test_folder();
    test_cifar_binary();
    test_damaged_jpeg();
    return finish();
}
