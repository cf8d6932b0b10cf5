/* Tests of the io floor: safetensors round trips, hand-built files with F16,
 * BF16, F64 and I32 data, the JSON parser, malformed files that must each be
 * rejected with the right status and a message naming the file, and writes
 * that fail (missing folder, a folder in the way, a full disk) without
 * leaving a temporary file or harming an existing one.
 * Prints "N passed, N failed" and exits non-zero on any failure. */
#define _POSIX_C_SOURCE 200809L
#include "io/json.h"
#include "io/safetensors.h"
#include "senet.h"

#include <dirent.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static int passed, failed;
static char dir[64];

#define CHECK(cond) check((cond), __LINE__, #cond)

static void check(int ok, int line, const char *what)
{
    if (ok) {
        passed++;
        return;
    }
    failed++;
    fprintf(stderr, "FAIL io_test.c:%d: %s\n  last error: %s\n", line, what, senet_last_error());
}

static const char *tmp_path(const char *name)
{
    static char buf[4][512]; /* a few live at once */
    static int next;
    char *p = buf[next++ % 4];
    snprintf(p, sizeof buf[0], "%s/%s", dir, name);
    return p;
}

static void write_bytes(const char *path, const void *bytes, size_t n)
{
    FILE *fp = fopen(path, "wb");
    if (!fp || fwrite(bytes, 1, n, fp) != n || fclose(fp) != 0) {
        fprintf(stderr, "cannot write the test file %s\n", path);
        exit(2);
    }
}

/* A file from a length field, a header text and data_len bytes of data. */
static void write_raw_length(const char *path, uint64_t length, const char *header, const unsigned char *data,
                             size_t data_len)
{
    size_t h = strlen(header);
    unsigned char *buf = calloc(1, 8 + h + data_len);
    for (int k = 0; k < 8; k++)
        buf[k] = (unsigned char)(length >> (8 * k));
    memcpy(buf + 8, header, h);
    if (data)
        memcpy(buf + 8 + h, data, data_len);
    write_bytes(path, buf, 8 + h + data_len);
    free(buf);
}

static void write_raw(const char *path, const char *header, const unsigned char *data, size_t data_len)
{
    write_raw_length(path, strlen(header), header, data, data_len);
}

static int temp_files_left(void)
{
    int n = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));)
        n += strstr(e->d_name, ".tmp.") != NULL;
    if (d)
        closedir(d);
    return n;
}

static int message_has(const char *a, const char *b)
{
    return strstr(senet_last_error(), a) != NULL && (!b || strstr(senet_last_error(), b) != NULL);
}

static void test_round_trip(void)
{
    float a[6] = {1.5f, -2.25f, 1e-30f, 3.4e38f, 0.0f, -0.0f};   /* (2, 3) */
    int64_t scalar = -1234567890123;                            /* () */
    int64_t c[4] = {INT64_MIN, INT64_MAX, 0, 42};               /* (4) */
    float d[1] = {0};                                           /* (0, 5): empty */
    const char *odd = "odd \"name\"\\ \xc3\xa9\n";
    st_write_entry entries[4] = {
        {"layer1.0.conv1.weight", ST_F32, 2, {2, 3}, a},
        {"num_batches_tracked", ST_I64, 0, {0}, &scalar},
        {odd, ST_I64, 1, {4}, c},
        {"empty", ST_F32, 2, {0, 5}, d},
    };
    const char *keys[2] = {"format", "arch"}, *values[2] = {"pt", "se_resnet50 \"v1\""};
    const char *path = tmp_path("round.safetensors");
    CHECK(safetensors_write_metadata(path, entries, 4, keys, values, 2) == SENET_OK);
    CHECK(temp_files_left() == 0);

    unsigned char head[8] = {0};
    FILE *fp = fopen(path, "rb");
    CHECK(fp && fread(head, 1, 8, fp) == 8);
    if (fp)
        fclose(fp);
    CHECK(head[0] % 8 == 0); /* the data section starts 8-aligned */

    safetensors_file *f = NULL;
    CHECK(safetensors_open(path, &f) == SENET_OK);
    if (!f)
        return;
    CHECK(strcmp(safetensors_path(f), path) == 0);
    CHECK(safetensors_count(f) == 4);
    for (int i = 0; i < 4; i++) {
        const st_tensor *t = safetensors_tensor(f, i);
        CHECK(t && strcmp(t->name, entries[i].name) == 0 && t->dtype == entries[i].dtype &&
              t->ndim == entries[i].ndim);
        CHECK(t && safetensors_find(f, entries[i].name) == t);
        for (int k = 0; t && k < t->ndim; k++)
            CHECK(t->shape[k] == entries[i].shape[k]);
    }
    CHECK(safetensors_tensor(f, 4) == NULL && safetensors_tensor(f, -1) == NULL);
    CHECK(safetensors_find(f, "absent") == NULL);

    const st_tensor *ta = safetensors_find(f, "layer1.0.conv1.weight");
    float ra[6];
    CHECK(ta && st_tensor_numel(ta) == 6 && ta->end - ta->begin == 24);
    CHECK(safetensors_read_f32(f, ta, ra, 6) == SENET_OK && memcmp(ra, a, sizeof a) == 0);

    const st_tensor *ts = safetensors_find(f, "num_batches_tracked");
    int64_t rs = 0;
    CHECK(ts && ts->ndim == 0 && st_tensor_numel(ts) == 1);
    CHECK(safetensors_read_i64(f, ts, &rs, 1) == SENET_OK && rs == scalar);

    const st_tensor *tc = safetensors_find(f, odd);
    int64_t rc[4];
    CHECK(tc && safetensors_read_i64(f, tc, rc, 4) == SENET_OK && memcmp(rc, c, sizeof c) == 0);

    const st_tensor *te = safetensors_find(f, "empty");
    CHECK(te && st_tensor_numel(te) == 0 && te->begin == te->end);
    CHECK(te && safetensors_read_f32(f, te, NULL, 0) == SENET_OK);

    CHECK(safetensors_metadata_count(f) == 2);
    CHECK(safetensors_metadata_get(f, "format") && strcmp(safetensors_metadata_get(f, "format"), "pt") == 0);
    CHECK(safetensors_metadata_get(f, "arch") && strcmp(safetensors_metadata_get(f, "arch"), values[1]) == 0);
    CHECK(safetensors_metadata_get(f, "missing") == NULL);

    /* The caller's expectations are checked against the file. */
    CHECK(safetensors_read_f32(f, ta, ra, 5) == SENET_ERR_SHAPE && message_has(path, "layer1.0.conv1.weight"));
    CHECK(safetensors_read_f32(f, ts, ra, 1) == SENET_ERR_SHAPE && message_has(path, "I64"));
    CHECK(safetensors_read_i64(f, ta, rc, 6) == SENET_ERR_SHAPE && message_has(path, "F32"));
    safetensors_close(f);

    /* Saving again replaces the file as a whole. */
    float b[2] = {7, 8};
    st_write_entry second = {"only", ST_F32, 1, {2}, b};
    CHECK(safetensors_write(path, &second, 1) == SENET_OK);
    CHECK(safetensors_open(path, &f) == SENET_OK);
    if (f) {
        CHECK(safetensors_count(f) == 1 && safetensors_metadata_count(f) == 0);
        CHECK(safetensors_read_f32(f, safetensors_tensor(f, 0), ra, 2) == SENET_OK && ra[0] == 7 && ra[1] == 8);
        safetensors_close(f);
    }
    CHECK(temp_files_left() == 0);

    /* No tensors at all is a valid (empty) file. */
    CHECK(safetensors_write(tmp_path("none.safetensors"), NULL, 0) == SENET_OK);
    CHECK(safetensors_open(tmp_path("none.safetensors"), &f) == SENET_OK && safetensors_count(f) == 0);
    safetensors_close(f);
}

static void put16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void test_hand_built(void)
{
    static const unsigned f16[9] = {0x3C00, 0xC000, 0x0001, 0x7C00, 0xFC00, 0x7E00, 0x03FF, 0x7BFF, 0x8000};
    static const unsigned bf16[4] = {0x3F80, 0xC040, 0x7F80, 0x0001};
    unsigned char data[47];
    for (int i = 0; i < 9; i++)
        put16(data + 2 * i, f16[i]);
    for (int i = 0; i < 4; i++)
        put16(data + 18 + 2 * i, bf16[i]);
    double tenth = 0.1;
    uint64_t bits;
    memcpy(&bits, &tenth, 8);
    for (int k = 0; k < 8; k++)
        data[26 + k] = (unsigned char)(bits >> (8 * k));
    const unsigned char i32[8] = {0xFB, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F}; /* -5, INT32_MAX */
    memcpy(data + 34, i32, 8);
    const unsigned char small[5] = {0xFE, 0xFF, 0xFF, 0x7F, 0x80}; /* I16 -2, 32767; I8 -128 */
    memcpy(data + 42, small, 5);
    const char *header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[3,3],\"data_offsets\":[0,18]},\n"
                         " \"b\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[18,26]},\n"
                         " \"d\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[26,34]},\n"
                         " \"i\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[34,42]},\n"
                         " \"s\":{\"dtype\":\"I16\",\"shape\":[2],\"data_offsets\":[42,46]},\n"
                         " \"c\":{\"dtype\":\"I8\",\"shape\":[1,1],\"data_offsets\":[46,47]}}   ";
    const char *path = tmp_path("hand.safetensors");
    write_raw(path, header, data, sizeof data);
    safetensors_file *f = NULL;
    CHECK(safetensors_open(path, &f) == SENET_OK);
    if (!f)
        return;
    float h[9], b[4], d;
    int64_t i[2];
    CHECK(safetensors_read_f32(f, safetensors_find(f, "h"), h, 9) == SENET_OK);
    CHECK(h[0] == 1.0f && h[1] == -2.0f && h[2] == 5.960464477539063e-08f && h[3] == INFINITY);
    CHECK(h[4] == -INFINITY && isnan(h[5]) && h[6] == 6.097555160522461e-05f && h[7] == 65504.0f);
    CHECK(h[8] == 0.0f && signbit(h[8]));
    CHECK(safetensors_read_f32(f, safetensors_find(f, "b"), b, 4) == SENET_OK);
    CHECK(b[0] == 1.0f && b[1] == -3.0f && b[2] == INFINITY && b[3] == 9.183549615799121e-41f);
    CHECK(safetensors_read_f32(f, safetensors_find(f, "d"), &d, 1) == SENET_OK && d == 0.1f);
    CHECK(safetensors_read_i64(f, safetensors_find(f, "i"), i, 2) == SENET_OK && i[0] == -5 && i[1] == 2147483647);
    CHECK(safetensors_read_i64(f, safetensors_find(f, "s"), i, 2) == SENET_OK && i[0] == -2 && i[1] == 32767);
    CHECK(safetensors_read_i64(f, safetensors_find(f, "c"), i, 1) == SENET_OK && i[0] == -128);
    safetensors_close(f);

    /* Every one of the 65536 halves against m * 2^(e-25), NaN payloads kept. */
    unsigned char *all = malloc(2 * 65536);
    for (unsigned v = 0; v < 65536; v++)
        put16(all + 2 * v, v);
    write_raw(tmp_path("halves.safetensors"), "{\"all\":{\"dtype\":\"F16\",\"shape\":[65536],\"data_offsets\":[0,131072]}}",
              all, 2 * 65536);
    free(all);
    float *got = malloc(sizeof *got * 65536);
    int bad = 0;
    CHECK(safetensors_open(tmp_path("halves.safetensors"), &f) == SENET_OK);
    if (f && safetensors_read_f32(f, safetensors_tensor(f, 0), got, 65536) == SENET_OK) {
        for (unsigned v = 0; v < 65536; v++) {
            unsigned e = (v >> 10) & 31, m = v & 1023;
            uint32_t g;
            memcpy(&g, &got[v], 4);
            if (e == 31 && m != 0) {
                bad += g != (((uint32_t)(v & 0x8000) << 16) | 0x7F800000u | m << 13);
                continue;
            }
            double ref = e == 31 ? INFINITY : e == 0 ? ldexp(m, -24) : ldexp(m + 1024, (int)e - 25);
            if (v & 0x8000)
                ref = -ref;
            bad += (double)got[v] != ref || !!signbit(got[v]) != !!(v & 0x8000);
        }
    } else
        bad = 1;
    CHECK(bad == 0);
    /* A read releases the tensor's pages of the mapped file; a second read gets them again. */
    float *again = malloc(sizeof *again * 65536);
    CHECK(f && safetensors_read_f32(f, safetensors_tensor(f, 0), again, 65536) == SENET_OK &&
          memcmp(got, again, sizeof *got * 65536) == 0);
    free(again);
    free(got);
    safetensors_close(f);
}

static void test_json(void)
{
    json_doc *doc = NULL;
    CHECK(json_parse("-9223372036854775808", 20, "t", &doc) == SENET_OK && json_root(doc)->type == JSON_INT &&
          json_root(doc)->u.integer == INT64_MIN);
    json_free(doc);
    CHECK(json_parse("9223372036854775808", 19, "t", &doc) == SENET_OK && json_root(doc)->type == JSON_NUMBER);
    json_free(doc);
    const char *text = " {\"k\\u00e9\\ud83d\\ude00\":[1,-2.5e3,true,false,null,\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"],\"k\":{}} ";
    CHECK(json_parse(text, strlen(text), "t", &doc) == SENET_OK);
    if (doc) {
        const json_value *v = json_object_get(json_root(doc), "k\xc3\xa9\xf0\x9f\x98\x80");
        CHECK(v && v->type == JSON_ARRAY && v->u.list.count == 6 && v->u.list.items[1].type == JSON_NUMBER);
        CHECK(v && v->u.list.items[5].type == JSON_STRING && strcmp(v->u.list.items[5].u.str.text, "\"\\/\b\f\n\r\t") == 0);
        json_free(doc);
    }
    static const char *const bad[] = {"",       "01",       "1.",     "[1,]",       "{\"a\":1,}", "\"\\x\"", "tru",
                                      "[1 2]",  "{1:2}",    "\"abc",  "\"\\ud800\"", "\"\\u12\"",  "-",      "[",
                                      "\"\x01\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "nul", "{\"a\" 1}", "1e"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int s = json_parse(bad[i], strlen(bad[i]), "label", &doc);
        CHECK(s == SENET_ERR_FORMAT && doc == NULL && message_has("label", "invalid JSON"));
        json_free(doc);
        doc = NULL;
    }
    char deep[300];
    memset(deep, '[', 150);
    memset(deep + 150, ']', 150);
    CHECK(json_parse(deep, 300, "t", &doc) == SENET_ERR_FORMAT && message_has("deeper", NULL));
    CHECK(json_utf8_valid("\xf4\x8f\xbf\xbf", 4) && !json_utf8_valid("\xf4\x90\x80\x80", 4) &&
          !json_utf8_valid("\xe2\x82", 2));

    /* Escaped names reach the table decoded; metadata values of other types are skipped. */
    const char *path = tmp_path("json.safetensors");
    write_raw(path,
              "{\"__metadata__\":{\"n\":1.5e3,\"o\":[true,null,{}],\"s\":\"\\u00e9\"},"
              "\"caf\\u00e9\\ud83d\\ude00\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]}}",
              (const unsigned char *)"\x01\xff", 2);
    safetensors_file *f = NULL;
    CHECK(safetensors_open(path, &f) == SENET_OK);
    if (f) {
        int64_t v[2];
        const st_tensor *t = safetensors_find(f, "caf\xc3\xa9\xf0\x9f\x98\x80");
        CHECK(t && safetensors_read_i64(f, t, v, 2) == SENET_OK && v[0] == 1 && v[1] == 255);
        CHECK(safetensors_metadata_count(f) == 1 && strcmp(safetensors_metadata_get(f, "s"), "\xc3\xa9") == 0);
        safetensors_close(f);
    }
}

typedef struct bad_file {
    const char *header;
    size_t data_len;
    int status;
    const char *needle;
} bad_file;

#define ENTRY(name, dtype, shape, offsets) \
    "\"" name "\":{\"dtype\":\"" dtype "\",\"shape\":" shape ",\"data_offsets\":" offsets "}"

static void test_malformed(void)
{
    static const bad_file cases[] = {
        {"{" ENTRY("a", "F32", "[1]", "[0,4]"), 4, SENET_ERR_FORMAT, "invalid JSON"},
        {"{" ENTRY("a", "F32", "[1]", "[0,4]") "} x", 4, SENET_ERR_FORMAT, "trailing"},
        {"{" ENTRY("a", "F32", "[2]", "[0,8]") "," ENTRY("b", "F32", "[2]", "[4,12]") "}", 12, SENET_ERR_FORMAT,
         "overlap"},
        {"{" ENTRY("a", "F32", "[1]", "[0,4]") "," ENTRY("b", "F32", "[1]", "[8,12]") "}", 12, SENET_ERR_FORMAT,
         "gap of 4"},
        {"{" ENTRY("a", "F32", "[1]", "[0,4]") "}", 8, SENET_ERR_FORMAT, "end at byte 4"},
        {"{" ENTRY("layer1.0.conv1.weight", "F32", "[25]", "[0,100]") "}", 64, SENET_ERR_FORMAT,
         "tensor 'layer1.0.conv1.weight' data_offsets [0, 100] exceed the data section of 64 bytes"},
        {"{" ENTRY("a", "X99", "[1]", "[0,4]") "}", 4, SENET_ERR_FORMAT, "unknown dtype 'X99'"},
        {"{" ENTRY("a", "F32", "[3]", "[0,8]") "}", 8, SENET_ERR_FORMAT, "needs 12 bytes"},
        {"{" ENTRY("a", "F32", "[4294967296,4294967296,4294967296]", "[0,0]") "}", 0, SENET_ERR_FORMAT, "overflow"},
        {"{" ENTRY("a", "F32", "[1]", "[0,4]") "," ENTRY("a", "F32", "[1]", "[4,8]") "}", 8, SENET_ERR_FORMAT,
         "duplicate tensor name 'a'"},
        {"{" ENTRY("a", "F32", "[-1]", "[0,4]") "}", 4, SENET_ERR_FORMAT, "shape[0] is not a non-negative"},
        {"{" ENTRY("a", "F32", "[1.0]", "[0,4]") "}", 4, SENET_ERR_FORMAT, "shape[0] is not a non-negative"},
        {"{" ENTRY("a", "F32", "[1,1,1,1,1,1,1,1,1]", "[0,4]") "}", 4, SENET_ERR_FORMAT, "more than 8"},
        {"{" ENTRY("", "F32", "[1]", "[0,4]") "}", 4, SENET_ERR_FORMAT, "empty name"},
        {"{" ENTRY("a", "F32", "[1]", "[4,0]") "}", 4, SENET_ERR_FORMAT, "backwards"},
        {"{" ENTRY("a", "F32", "[1]", "[0,\"4\"]") "}", 4, SENET_ERR_FORMAT, "data_offsets"},
        {"{" ENTRY("a", "F32", "[1]", "[0,4,8]") "}", 4, SENET_ERR_FORMAT, "data_offsets"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, SENET_ERR_FORMAT, "missing key 'data_offsets'"},
        {"{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, SENET_ERR_FORMAT,
         "duplicate key"},
        {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", 4, SENET_ERR_FORMAT,
         "unexpected key"},
        {"{\"a\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}", 4, SENET_ERR_FORMAT, "dtype"},
        {"{\"a\":[]}", 0, SENET_ERR_FORMAT, "not an object"},
        {"[]", 0, SENET_ERR_FORMAT, "not a safetensors file"}, /* the header must begin with { */
        {"{\"__metadata__\":\"x\"}", 0, SENET_ERR_FORMAT, "__metadata__ is not an object"},
        {"{\"__metadata__\":{\"k\":\"a\",\"k\":\"b\"}}", 0, SENET_ERR_FORMAT, "duplicate __metadata__ key"},
        {"{\"__metadata__\":{},\"__metadata__\":{}}", 0, SENET_ERR_FORMAT, "two __metadata__"},
        {"{\"\\ud800x\":{}}", 0, SENET_ERR_FORMAT, "surrogate"},
        {"{\"a\xff\":{}}", 0, SENET_ERR_FORMAT, "UTF-8"},
        {"{\"a\\u0000b\":{}}", 0, SENET_ERR_FORMAT, "NUL"},
        {"{\"__metadata__\":{\"k\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
         "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
         "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
         "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}}",
         0, SENET_ERR_FORMAT, "deeper"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char name[64];
        snprintf(name, sizeof name, "bad%02zu.safetensors", i);
        const char *path = tmp_path(name);
        unsigned char zeros[64] = {0};
        write_raw(path, cases[i].header, zeros, cases[i].data_len);
        safetensors_file *f = (safetensors_file *)&passed; /* must come back NULL */
        int status = safetensors_open(path, &f);
        check(status == cases[i].status && f == NULL && message_has(path, cases[i].needle), __LINE__, cases[i].header);
        if (status == SENET_OK)
            safetensors_close(f);
    }

    /* A name of 255 bytes is fine, 256 is one too many. */
    char header[700];
    char longname[257];
    memset(longname, 'x', 256);
    longname[255] = '\0';
    snprintf(header, sizeof header, "{\"%s\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", longname);
    write_raw(tmp_path("name255.safetensors"), header, (const unsigned char *)"\0", 1);
    safetensors_file *f = NULL;
    CHECK(safetensors_open(tmp_path("name255.safetensors"), &f) == SENET_OK && safetensors_find(f, longname));
    safetensors_close(f);
    longname[255] = 'x';
    longname[256] = '\0';
    snprintf(header, sizeof header, "{\"%s\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}", longname);
    write_raw(tmp_path("name256.safetensors"), header, (const unsigned char *)"\0", 1);
    CHECK(safetensors_open(tmp_path("name256.safetensors"), &f) == SENET_ERR_FORMAT &&
          message_has(tmp_path("name256.safetensors"), "longer than 255"));

    /* The length field itself. */
    const char *path = tmp_path("short.safetensors");
    write_bytes(path, "\x10\0\0\0\0", 5);
    CHECK(safetensors_open(path, &f) == SENET_ERR_FORMAT && message_has(path, "too short"));
    path = tmp_path("beyond.safetensors");
    write_raw_length(path, 1000, "{}", NULL, 0);
    CHECK(safetensors_open(path, &f) == SENET_ERR_FORMAT && message_has(path, "header length 1000 exceeds"));
    path = tmp_path("huge.safetensors");
    write_raw_length(path, (uint64_t)1 << 40, "{}", NULL, 0);
    CHECK(safetensors_open(path, &f) == SENET_ERR_FORMAT && message_has(path, "limit"));
    path = tmp_path("zero.safetensors");
    write_raw_length(path, 0, "", NULL, 0);
    CHECK(safetensors_open(path, &f) == SENET_ERR_FORMAT && message_has(path, "invalid JSON"));

    /* Files that are not there or not files. */
    path = tmp_path("missing.safetensors");
    CHECK(safetensors_open(path, &f) == SENET_ERR_IO && f == NULL && message_has(path, "cannot open"));
    CHECK(safetensors_open(dir, &f) == SENET_ERR_IO && message_has(dir, "not a regular file"));
    CHECK(safetensors_open(NULL, &f) == SENET_ERR_ARGUMENT);
}

static void test_write_failures(void)
{
    float x[4] = {1, 2, 3, 4};
    st_write_entry e = {"x", ST_F32, 1, {4}, x};

    const char *path = tmp_path("no/such/folder/x.safetensors");
    CHECK(safetensors_write(path, &e, 1) == SENET_ERR_IO && message_has(path, NULL));

    /* A folder in the way: the rename fails and the temporary file goes. */
    path = tmp_path("folder.safetensors");
    mkdir(path, 0700);
    CHECK(safetensors_write(path, &e, 1) == SENET_ERR_IO && message_has(path, "renaming"));
    struct stat st;
    CHECK(stat(path, &st) == 0 && S_ISDIR(st.st_mode));
    CHECK(temp_files_left() == 0);

    /* A full disk, simulated by a file size limit: the old file survives. */
    path = tmp_path("full.safetensors");
    CHECK(safetensors_write(path, &e, 1) == SENET_OK);
    size_t big_n = 1 << 16;
    float *big = calloc(big_n, sizeof *big);
    st_write_entry eb = {"big", ST_F32, 1, {(int64_t)big_n}, big};
    struct rlimit old, small;
    signal(SIGXFSZ, SIG_IGN);
    if (getrlimit(RLIMIT_FSIZE, &old) == 0) {
        small = old;
        small.rlim_cur = 4096;
        CHECK(setrlimit(RLIMIT_FSIZE, &small) == 0);
        int status = safetensors_write(path, &eb, 1);
        CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0);
        CHECK(status == SENET_ERR_IO && message_has(path, NULL));
    }
    free(big);
    CHECK(temp_files_left() == 0);
    safetensors_file *f = NULL;
    float back[4] = {0};
    CHECK(safetensors_open(path, &f) == SENET_OK && safetensors_count(f) == 1 &&
          safetensors_read_f32(f, safetensors_find(f, "x"), back, 4) == SENET_OK && back[3] == 4);
    safetensors_close(f);

    /* Bad entries are refused before anything is written. */
    path = tmp_path("refused.safetensors");
    st_write_entry two[2] = {e, e};
    CHECK(safetensors_write(path, two, 2) == SENET_ERR_ARGUMENT && message_has(path, "duplicate"));
    two[1].name = "";
    CHECK(safetensors_write(path, two, 2) == SENET_ERR_ARGUMENT && message_has(path, "no name"));
    two[1].name = "y";
    two[1].shape[0] = -1;
    CHECK(safetensors_write(path, two, 2) == SENET_ERR_ARGUMENT && message_has(path, "negative"));
    two[1].shape[0] = 4;
    two[1].ndim = 9;
    CHECK(safetensors_write(path, two, 2) == SENET_ERR_ARGUMENT && message_has(path, "dimensions"));
    two[1].ndim = 1;
    two[1].data = NULL;
    CHECK(safetensors_write(path, two, 2) == SENET_ERR_ARGUMENT && message_has(path, "NULL"));
    two[1].data = x;
    two[1].name = "__metadata__";
    CHECK(safetensors_write(path, two, 2) == SENET_ERR_ARGUMENT && message_has(path, "reserved"));
    two[1].name = "bad\xff";
    CHECK(safetensors_write(path, two, 2) == SENET_ERR_ARGUMENT && message_has(path, "UTF-8"));
    CHECK(access(path, F_OK) != 0 && temp_files_left() == 0);
}

static void remove_dir(void)
{
    DIR *d = opendir(dir);
    for (struct dirent *e; d && (e = readdir(d));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        const char *p = tmp_path(e->d_name);
        if (remove(p) != 0)
            rmdir(p);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/senet_io_test.XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    test_round_trip();
    test_hand_built();
    test_json();
    test_malformed();
    test_write_failures();
    remove_dir();
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
