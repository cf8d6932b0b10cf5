/* Random draws for augmentation and shuffling on top of the seeded rng of
 * src/base/rng.h, so that a seed fixes every choice on every platform. */
#ifndef SENET_DATA_DRAW_H
#define SENET_DATA_DRAW_H

#include "../base/rng.h"

#include <stdint.h>

/* Uniform integer in [0, n), unbiased (rejection); n >= 1. */
uint64_t draw_below(rng *r, uint64_t n);
/* Uniform real in [lo, hi). */
double draw_uniform(rng *r, double lo, double hi);
/* A seed for the stream (a, b, c): distinct triples give unrelated streams. */
uint64_t draw_mix(uint64_t a, uint64_t b, uint64_t c);

#endif
