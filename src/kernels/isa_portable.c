/* The kernel table of any C compiler with vector extensions: 16-byte
 * vectors, which the compiler maps to SSE2 on x86-64 or NEON on arm64. */
#include "isa.h"

#include <string.h>

#define TARGET
#define WIDTH (16 / (int)sizeof(real))
#define GEMM_ROWS 6
#define DIRECT_PIXELS 6

#include "vector.inc"
#include "gemm_block.inc"
#include "direct_row.inc"
#include "wgrad_block.inc"
#include "winograd_transforms.inc"
#include "gemm_bf16_portable.inc"
#include "gemm_u8s8_portable.inc"

const kernel_table isa_portable = {"portable", WIDTH, gemm_block, direct_row, wgrad_block,
                                   winograd_input, winograd_output, NULL, gemm_bf16_block_fp32, gemm_u8s8_block_int};
