/* Unbiased bounded integers, uniform reals and seed mixing. */
#include "draw.h"

uint64_t draw_below(rng *r, uint64_t n)
{
    uint64_t limit = UINT64_MAX - UINT64_MAX % n; /* a multiple of n */
    uint64_t x;
    do
        x = rng_next(r);
    while (x >= limit);
    return x % n;
}

double draw_uniform(rng *r, double lo, double hi) { return lo + (hi - lo) * rng_uniform(r); }

/* splitmix64's finaliser, chained: every input bit reaches every output bit. */
static uint64_t mix64(uint64_t z)
{
    z += 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t draw_mix(uint64_t a, uint64_t b, uint64_t c) { return mix64(mix64(mix64(a) ^ b) ^ c); }
