/* One table of kernels per instruction set (floor 2).
 *
 * Each table holds the SIMD bodies of the GEMM micro-kernel, the direct,
 * grouped and weight-gradient convolutions and the Winograd transforms,
 * compiled for its instruction set from the templates beside this file.
 * The table in use is chosen once per process (pthread_once): the best the
 * CPU runs, or the one SENET_ISA names (avx512_bf16 | avx512_vnni | avx512 | avx2 |
 * portable). Adding an
 * instruction set is one isa_NAME.c that includes the templates, plus a
 * line in isa.c. */
#ifndef SENET_KERNELS_ISA_H
#define SENET_KERNELS_ISA_H

#include "kernel_args.h"

typedef struct kernel_table {
    const char *name;      /* "avx512_bf16", "avx512_vnni", "avx512", "avx2", "portable" */
    int lanes;             /* reals per vector of the direct and wgrad kernels */
    gemm_block_fn gemm_block;
    direct_row_fn direct_row;
    wgrad_block_fn wgrad_block;
    winograd_input_fn winograd_input;
    winograd_output_fn winograd_output;
    grouped_pixels_fn grouped_pixels; /* NULL: no grouped kernel (conv2d uses a GEMM per group) */
    gemm_bf16_block_fn gemm_bf16_block; /* VDPBF16PS on avx512_bf16, fp32 arithmetic in the same order elsewhere */
    gemm_u8s8_block_fn gemm_u8s8_block; /* VPDPBUSD on avx512_vnni and avx512_bf16, integer loops elsewhere */
} kernel_table;

/* The tables (isa_NAME.c; avx512_vnni and avx512_bf16 are isa_avx512.c's
 * fp32 kernels with the int8 kernel of AVX512-VNNI, and the bf16 one of
 * AVX512-BF16 too); the x86 ones exist in x86-64 builds only. */
extern const kernel_table isa_avx512_bf16, isa_avx512_vnni, isa_avx512, isa_avx2, isa_portable;

/* The table in use. */
const kernel_table *isa_kernels(void);
/* Its name: "avx512_bf16", "avx512_vnni", "avx512", "avx2" or "portable". */
const char *isa_name(void);
/* SENET_ERR_ARGUMENT, with a message naming the choices, when SENET_ISA names
 * no table of this build or one the CPU lacks (the best one is used
 * meanwhile); senet_net_create fails with it, so a typo is not a silent
 * fall-back. */
int isa_check(void);
/* Whether this CPU runs the named table. */
int isa_supported(const char *name);
/* Switches the table (for tests that check every one in a process):
 * SENET_ERR_ARGUMENT for an unknown name, SENET_ERR_STATE for one the CPU
 * lacks. Not while other threads compute; packed inference weights of
 * grouped layers depend on it, so switch before building nets. */
int isa_set(const char *name);

#endif
