/* The library's version at run time: a program built against one header
 * and run with another libsenet.so can tell. */
#include "senet.h"

const char *senet_version(void) { return SENET_VERSION; }
