/* bfloat16: the upper half of an IEEE fp32 (8-bit exponent, 7-bit
 * fraction), as AVX512-BF16's VDPBF16PS multiplies it. Two bf16 values
 * multiply exactly in fp32 (16 significant bits of 24), which is why a
 * bf16 product summed in fp32 loses only what the inputs' rounding lost. */
#ifndef SENET_KERNELS_BF16_H
#define SENET_KERNELS_BF16_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef uint16_t bf16;

/* Round to nearest even, as VCVTNEPS2BF16; a NaN stays a (quiet) NaN. */
static inline bf16 bf16_from_float(float x)
{
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    if ((u & 0x7fffffffu) > 0x7f800000u)
        return (bf16)((u >> 16) | 0x40);
    u += 0x7fffu + ((u >> 16) & 1);
    return (bf16)(u >> 16);
}

static inline float bf16_to_float(bf16 h)
{
    uint32_t u = (uint32_t)h << 16;
    float x;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* dst[i] = bf16_from_float(src[i]) for n values. */
void bf16_from_floats(bf16 *dst, const float *src, size_t n);

#endif
