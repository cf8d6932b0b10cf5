/* A small, seedable random number generator (xoshiro256**, seeded through
 * splitmix64) so that initialisation and dropout masks are reproducible
 * from a seed on every platform. */
#ifndef SENET_BASE_RNG_H
#define SENET_BASE_RNG_H

#include <stdint.h>

typedef struct rng {
    uint64_t s[4];
    double spare; /* the second normal of the last pair */
    int has_spare;
} rng;

void rng_seed(rng *r, uint64_t seed);
uint64_t rng_next(rng *r);
double rng_uniform(rng *r);  /* [0, 1) with 53 random bits */
double rng_normal(rng *r);   /* standard normal (Marsaglia polar) */

#endif
