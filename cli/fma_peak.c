#include "fma_peak.h"

#include <string.h>
#include <time.h>

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/* 12 independent accumulators hide the FMA latency (4-5 cycles) at two
 * FMAs a cycle; the empty asm keeps them in registers and the loop alive. */
#define DEFINE_PEAK_LOOP(name, attr, bytes)                                                              \
    attr static double name(long iters)                                                                  \
    {                                                                                                    \
        typedef float vec __attribute__((vector_size(bytes)));                                         \
        vec x0 = {0}, x1 = {0}, x2 = {0}, x3 = {0}, x4 = {0}, x5 = {0}, x6 = {0}, x7 = {0}, x8 = {0}, \
            x9 = {0}, x10 = {0}, x11 = {0}, b = {0}, c = {0};                                            \
        b += 0.5f;                                                                                       \
        c += 0.25f;                                                                                      \
        double t0 = seconds();                                                                           \
        for (long i = 0; i < iters; i++) {                                                               \
            x0 = x0 * b + c, x1 = x1 * b + c, x2 = x2 * b + c, x3 = x3 * b + c, x4 = x4 * b + c;         \
            x5 = x5 * b + c, x6 = x6 * b + c, x7 = x7 * b + c, x8 = x8 * b + c, x9 = x9 * b + c;         \
            x10 = x10 * b + c, x11 = x11 * b + c;                                                        \
            __asm__ volatile("" : "+v"(x0), "+v"(x1), "+v"(x2), "+v"(x3), "+v"(x4), "+v"(x5), "+v"(x6), \
                             "+v"(x7), "+v"(x8), "+v"(x9), "+v"(x10), "+v"(x11));                        \
        }                                                                                                \
        double t = seconds() - t0;                                                                       \
        return t > 0 ? 12.0 * 2 * (bytes / sizeof(float)) * iters / t / 1e9 : 0;                      \
    }

#if defined(__x86_64__) && defined(__GNUC__)
DEFINE_PEAK_LOOP(peak_avx512, __attribute__((target("avx512f,fma"), optimize("fp-contract=fast"))), 64)
DEFINE_PEAK_LOOP(peak_avx2, __attribute__((target("avx2,fma"), optimize("fp-contract=fast"))), 32)
#endif
DEFINE_PEAK_LOOP(peak_portable, __attribute__((optimize("fp-contract=fast"))), 16)

double fma_peak_gflops_per_core(void)
{
    double (*loop)(long) = peak_portable;
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f"))
        loop = peak_avx512;
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        loop = peak_avx2;
#endif
    /* About 20 ms a round at 100 GFLOP/s; the best of five. */
    long iters = 1 << 22;
    double best = 0;
    for (int round = 0; round < 5; round++) {
        double g = loop(iters);
        best = g > best ? g : best;
    }
    return best;
}
