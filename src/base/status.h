/* Status codes and the per-thread error message (floor 1: base).
 * Library code reports a failure with  return senet_fail(SENET_ERR_..., "fmt", ...);
 * which records the message for senet_last_error() and returns the code. */
#ifndef SENET_BASE_STATUS_H
#define SENET_BASE_STATUS_H

#include "senet.h"

#if defined(__GNUC__)
#define SENET_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SENET_PRINTF(a, b)
#endif

int senet_fail(int status, const char *fmt, ...) SENET_PRINTF(2, 3);
void senet_clear_error(void);

/* Propagate a failing status unchanged (its message is already recorded). */
#define TRY(expr)                  \
    do {                           \
        int try_status_ = (expr);  \
        if (try_status_ != SENET_OK) \
            return try_status_;    \
    } while (0)

#endif
