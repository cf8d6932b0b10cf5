/* The status texts and the thread-local message of the last failure. */
#include "status.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char last_message[1024];

const char *senet_strerror(int status)
{
    switch (status) {
    case SENET_OK: return "success";
    case SENET_ERR_ARGUMENT: return "invalid argument";
    case SENET_ERR_NOMEM: return "out of memory";
    case SENET_ERR_IO: return "input/output error";
    case SENET_ERR_FORMAT: return "malformed file";
    case SENET_ERR_SHAPE: return "tensor name or shape mismatch";
    case SENET_ERR_STATE: return "operation not allowed in this state";
    case SENET_ERR_NUMERIC: return "non-finite value";
    default: return "unknown status";
    }
}

const char *senet_last_error(void) { return last_message; }

void senet_clear_error(void) { last_message[0] = '\0'; }

int senet_fail(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_message, sizeof last_message, fmt, ap);
    va_end(ap);
    return status;
}
