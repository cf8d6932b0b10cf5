/* senet bench --profile: where the time of the timed passes went, per kind
 * of layer and per layer (senet_net_profile). */
#ifndef SENET_CLI_BENCH_PROFILE_H
#define SENET_CLI_BENCH_PROFILE_H

#include "senet.h"

/* The profile of `runs` passes of `batch` images whose mean pass took
 * mean_ms: a table by kind of layer and the slowest layers as text, or
 * (json) a member `, "profile": [...]` to close a JSON object with.
 * peak_gflops: the run's peak, for the % of peak of each kind. */
int print_bench_profile(const senet_net *net, long runs, long batch, double mean_ms, double peak_gflops,
                        int json);

#endif
