/* What both builds of the dist floor share. */
#include "dist.h"

uint64_t dist_hash(uint64_t h, const void *bytes, size_t count)
{
    const unsigned char *p = bytes;
    for (size_t i = 0; i < count; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}
