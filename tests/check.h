/* The pass/fail count of the C tests that drive the public API: check()
 * each fact, then print report()'s closing line and return its status. */
#ifndef SENET_TESTS_CHECK_H
#define SENET_TESTS_CHECK_H

#include "senet.h"

#include <stdio.h>

static int passed, failed;

/* A failed check prints what was expected and the library's last message. */
static void check(int ok, const char *what)
{
    if (ok) {
        passed++;
    } else {
        failed++;
        printf("FAIL: %s (%s)\n", what, senet_last_error());
    }
}

/* The closing line CTest's log shows; the process status. */
static int report(void)
{
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}

#endif
