/* The machine's fp32 peak, measured rather than assumed: hosts that look
 * alike (the same "AMD EPYC" under KVM) have measured 117 and 176 GFLOP/s
 * a core, so a fixed figure would misstate every "% of peak". */
#ifndef SENET_CLI_FMA_PEAK_H
#define SENET_CLI_FMA_PEAK_H

/* GFLOP/s of one core running independent fused multiply-adds in registers,
 * in the widest vectors this CPU has (AVX-512, AVX2, else 16 bytes); the
 * best of a few 20 ms rounds. */
double fma_peak_gflops_per_core(void);

#endif
