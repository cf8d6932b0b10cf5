/* The scalar type of the ops and kernels.
 *
 * It is float in libsenet. The gradient-check test compiles the same op and
 * kernel sources a second time with -DSENET_REAL_DOUBLE so that every
 * backward can be compared with finite differences in double precision. */
#ifndef SENET_BASE_REAL_H
#define SENET_BASE_REAL_H

#include <stddef.h>

#ifdef SENET_REAL_DOUBLE
typedef double real;
#else
typedef float real;
#endif

#endif
