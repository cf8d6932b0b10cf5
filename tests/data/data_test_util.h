/* What the data tests share: the pass/fail tally, a scratch folder that is
 * removed at exit, small file writers, and checks on a failure's status and
 * message. Each test program prints "N passed, N failed" and exits non-zero
 * on any failure. */
#ifndef SENET_TESTS_DATA_TEST_UTIL_H
#define SENET_TESTS_DATA_TEST_UTIL_H

#include "senet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;
static char scratch[256];

#define CHECK(cond) check_((cond), __FILE__, __LINE__, #cond)
/* The call fails with STATUS and its message contains each of the texts. */
#define CHECK_FAILS(call, status, text1, text2) check_fails_((call), (status), (text1), (text2), __FILE__, __LINE__, #call)

static inline int check_(int ok, const char *file, int line, const char *what)
{
    if (ok)
        passed++;
    else {
        failed++;
        fprintf(stderr, "FAIL %s:%d: %s\n  last error: %s\n", file, line, what, senet_last_error());
    }
    return ok;
}

static inline void check_fails_(int got, int want, const char *text1, const char *text2, const char *file, int line,
                         const char *what)
{
    const char *msg = senet_last_error();
    int ok = got == want && (!text1 || strstr(msg, text1)) && (!text2 || strstr(msg, text2));
    if (ok) {
        passed++;
        return;
    }
    failed++;
    fprintf(stderr, "FAIL %s:%d: %s\n  status %d (want %d), message: %s\n  want it to contain: '%s' '%s'\n", file,
            line, what, got, want, msg, text1 ? text1 : "", text2 ? text2 : "");
}

static inline void die(const char *what)
{
    fprintf(stderr, "test setup failed: %s\n", what);
    exit(2);
}

static inline void remove_scratch(void)
{
    if (scratch[0]) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
        if (system(cmd) != 0)
            fprintf(stderr, "cannot remove %s\n", scratch);
    }
}

/* Creates the scratch folder (removed at exit). */
static inline void make_scratch(const char *name)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(scratch, sizeof scratch, "%s/%s.XXXXXX", tmp && *tmp ? tmp : "/tmp", name);
    if (!mkdtemp(scratch))
        die("mkdtemp");
    atexit(remove_scratch);
}

/* SCRATCH/NAME in one of a few rotating buffers. */
static inline const char *scratch_path(const char *name)
{
    static char buf[8][512];
    static int next;
    char *p = buf[next++ % 8];
    snprintf(p, sizeof buf[0], "%s/%s", scratch, name);
    return p;
}

static inline void make_dir(const char *path)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", path);
    if (system(cmd) != 0)
        die(path);
}

static inline void write_bytes(const char *path, const void *bytes, size_t n)
{
    FILE *fp = fopen(path, "wb");
    if (!fp || (n && fwrite(bytes, 1, n, fp) != n) || fclose(fp) != 0)
        die(path);
}

/* The whole file at PATH (free()); *n its length. */
static inline unsigned char *read_bytes(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        die(path);
    fseek(fp, 0, SEEK_END);
    long len = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    unsigned char *buf = malloc(len > 0 ? (size_t)len : 1);
    if (!buf || fread(buf, 1, (size_t)len, fp) != (size_t)len)
        die(path);
    fclose(fp);
    *n = (size_t)len;
    return buf;
}

static inline int finish(void)
{
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}

#endif
