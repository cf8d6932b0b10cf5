/* The bf16 and int8 GEMMs against the fp32 one on the shapes of se_resnet50's
 * convolutions (im2col or 1x1 rows x output channels x K), one thread,
 * B packed beforehand as inference packs weights. Rounds alternate fp32,
 * bf16 and int8 (int32 sums, no requantisation yet), and each product is timed in CPU time of the calling thread, so a
 * busy neighbour on the core inflates both alike (the ratio is the
 * figure; GFLOP/s want an idle core).
 *   build/bench_gemm [ROUNDS]   (default 5; prints the best round of each) */
#define _POSIX_C_SOURCE 200809L
#include "base/alloc.h"
#include "kernels/gemm.h"
#include "kernels/gemm_bf16.h"
#include "kernels/gemm_u8s8.h"
#include "kernels/isa.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double thread_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static float *random_floats(size_t n, unsigned seed)
{
    float *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n && x; i++) {
        seed = seed * 1664525u + 1013904223u;
        x[i] = (float)((seed >> 8) & 0xffff) / 32768.0f - 1.0f;
    }
    return x;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 5;
    static const int shapes[][4] = { /* m, n, k, repetitions */
        {49, 512, 4608, 20},   {49, 2048, 512, 20},  {196, 256, 2304, 10}, {196, 1024, 256, 10},
        {784, 128, 1152, 5},   {3136, 64, 576, 3},   {3136, 256, 64, 5},
    };
    printf("kernel table %s; one thread; best of %d rounds\n", isa_name(), rounds);
    printf("%-18s %10s %10s %10s %10s %10s\n", "m x n x k", "fp32 GF/s", "bf16 GF/s", "int8 GOP/s", "bf16/fp32",
           "int8/fp32");
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2], reps = shapes[s][3];
        int lda = gemm_bf16_lda(k);
        float *a = random_floats((size_t)m * k, 1), *b = random_floats((size_t)k * n, 2);
        float *c = malloc((size_t)m * n * sizeof *c);
        float *packed = aligned_alloc_checked(gemm_packed_b_size(n, k) * sizeof(float));
        bf16 *a16 = malloc((size_t)m * lda * sizeof *a16);
        bf16 *packed16 = malloc(gemm_bf16_packed_b_size(n, k) * sizeof *packed16);
        int lda8 = gemm_u8s8_lda(k);
        uint8_t *a8 = calloc((size_t)m * lda8, 1);
        int8_t *b8 = malloc((size_t)k * n), *packed8 = malloc(gemm_u8s8_packed_b_size(n, k));
        int32_t *c32 = malloc((size_t)m * n * sizeof *c32);
        if (!a || !b || !c || !packed || !a16 || !packed16 || !a8 || !b8 || !packed8 || !c32)
            return 1;
        for (size_t i = 0; i < (size_t)m * k; i++)
            a8[i / k * lda8 + i % k] = (uint8_t)(a[i] * 127 + 128);
        for (size_t i = 0; i < (size_t)k * n; i++)
            b8[i] = (int8_t)(b[i] * 127);
        gemm_u8s8_pack_b(packed8, 0, n, k, b8, n);
        gemm_pack_b(packed, 0, n, k, b, n);
        gemm_bf16_pack_b(packed16, 0, n, k, b, n);
        gemm_bf16_rows(a16, lda, m, k, a, k);
        double best32 = 1e30, best16 = 1e30, best8 = 1e30;
        for (int r = 0; r < rounds; r++) {
            double t0 = thread_seconds();
            for (int i = 0; i < reps; i++)
                gemm_packed(1, m, n, k, a, k, packed, c, n, NULL);
            double t1 = thread_seconds();
            for (int i = 0; i < reps; i++)
                gemm_bf16_packed(1, m, n, k, a16, lda, packed16, c, n, NULL);
            double t2 = thread_seconds();
            for (int i = 0; i < reps; i++)
                gemm_u8s8_packed(1, m, n, k, a8, lda8, packed8, c32, n, 0);
            double t3 = thread_seconds();
            best32 = (t1 - t0) < best32 ? (t1 - t0) : best32;
            best16 = (t2 - t1) < best16 ? (t2 - t1) : best16;
            best8 = (t3 - t2) < best8 ? (t3 - t2) : best8;
        }
        double flops = 2.0 * m * n * k * reps;
        char name[32];
        snprintf(name, sizeof name, "%dx%dx%d", m, n, k);
        printf("%-18s %10.1f %10.1f %10.1f %10.2f %10.2f\n", name, flops / best32 * 1e-9, flops / best16 * 1e-9,
               flops / best8 * 1e-9, best32 / best16, best32 / best8);
        free(a), free(b), free(c), aligned_free(packed), free(a16), free(packed16), free(a8), free(b8), free(packed8),
            free(c32);
    }
    return 0;
}
