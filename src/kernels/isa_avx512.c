/* The kernel tables of AVX-512 (F): 64-byte vectors, 32 registers, so
 * twice the rows per register block of AVX2; the grouped convolution's
 * permutes exist here only. Three tables share the fp32 kernels: avx512;
 * avx512_vnni, whose int8 GEMM runs on VPDPBUSD; and avx512_bf16 (CPUs with
 * AVX512-BF16 have VNNI too), whose bf16 GEMM runs on VDPBF16PS as well. */
#if defined(__x86_64__) && defined(__GNUC__)
#include "isa.h"

#include <string.h>

#define TARGET __attribute__((target("avx512f,fma")))
#define WIDTH (64 / (int)sizeof(real))
#define GEMM_ROWS 12
#define DIRECT_PIXELS 12

#include "vector.inc"
#include "gemm_block.inc"
#include "direct_row.inc"
#include "wgrad_block.inc"
#include "winograd_transforms.inc"
#include "gemm_bf16_portable.inc"
#include "gemm_u8s8_portable.inc"
#ifndef SENET_REAL_DOUBLE
#include "grouped_avx512.inc"
#else
#define grouped_pixels NULL /* the grouped kernel is fp32 alone */
#endif
#include "gemm_bf16_avx512.inc"
#include "gemm_u8s8_avx512.inc"

const kernel_table isa_avx512 = {"avx512", WIDTH, gemm_block, direct_row, wgrad_block,
                                 winograd_input, winograd_output, grouped_pixels, gemm_bf16_block_fp32,
                                 gemm_u8s8_block_int};
/* The same fp32 kernels; int8 products on VPDPBUSD. */
const kernel_table isa_avx512_vnni = {"avx512_vnni", WIDTH, gemm_block, direct_row, wgrad_block,
                                      winograd_input, winograd_output, grouped_pixels, gemm_bf16_block_fp32,
                                      gemm_u8s8_block_vnni};
/* The same again; bf16 products on VDPBF16PS too. */
const kernel_table isa_avx512_bf16 = {"avx512_bf16", WIDTH, gemm_block, direct_row, wgrad_block,
                                      winograd_input, winograd_output, grouped_pixels, gemm_bf16_block_dpbf16,
                                      gemm_u8s8_block_vnni};
#endif
