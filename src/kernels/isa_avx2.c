/* The kernel table of AVX2 with FMA: 32-byte vectors, 16 registers. */
#if defined(__x86_64__) && defined(__GNUC__)
#include "isa.h"

#include <string.h>

#define TARGET __attribute__((target("avx2,fma")))
#define WIDTH (32 / (int)sizeof(real))
#define GEMM_ROWS 6
#define DIRECT_PIXELS 6

#include "vector.inc"
#include "gemm_block.inc"
#include "direct_row.inc"
#include "wgrad_block.inc"
#include "winograd_transforms.inc"
#include "gemm_bf16_portable.inc"
#include "gemm_u8s8_portable.inc"

const kernel_table isa_avx2 = {"avx2", WIDTH, gemm_block, direct_row, wgrad_block,
                               winograd_input, winograd_output, NULL, gemm_bf16_block_fp32, gemm_u8s8_block_int};
#endif
