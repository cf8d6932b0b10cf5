/* Data-parallel training from the commands' side (train, step, eval): the
 * net as one replica of the dist group, the one all-reduce of the flat
 * gradient buffer per step, rank 0's weights and BN statistics to all,
 * the checks that every rank runs the same thing, and the time spent
 * communicating. Alone (world 1) every call is a no-op. */
#ifndef SENET_CLI_PARALLEL_H
#define SENET_CLI_PARALLEL_H

#include "senet.h"

#include <stdint.h>

typedef struct parallel {
    int rank, world;
    int sync_bn;
    double grad_seconds, hook_seconds; /* in the gradient all-reduce; in the net's sums (loss, sync BN) */
    int64_t grad_calls, hook_calls;
} parallel;

/* 1 once every rank has seen the same failure (a disagreement): the ranks
 * may then end normally; after any other failure main stops them all. */
extern int parallel_failed_together;

void parallel_init(parallel *p, int sync_bn);

/* --threads 0 under mpirun: the cores this rank may use, shared with the
 * other ranks on its host (so 2 ranks on 2 cores get 1 thread each). */
long parallel_default_threads(long threads);

/* Every rank ran the same command line (--threads aside). Prints and
 * returns non-zero when not. */
int parallel_check_command(const char *command, int argc, char **argv);
/* Every rank holds the same value (a hash of `what`). */
int parallel_check_same(uint64_t hash, const char *what);

/* Makes net a replica: rank 0's parameters and BN statistics to all (so
 * they start equal whatever their files or initialisation) and the sum
 * hook for the loss and, with sync_bn, batch norm. */
int parallel_attach(parallel *p, senet_net *net);

/* After forward_backward: sums the gradients of all ranks in place (they
 * are shares of the global batch's gradient, see senet_net_set_replicas). */
int parallel_sum_grads(parallel *p, senet_net *net);

/* Rank 0's BN running statistics to all ranks (without sync BN each rank's
 * drift apart; rank 0's are the ones checkpointed, as in PyTorch's DDP). */
int parallel_share_buffers(parallel *p, senet_net *net);

#endif
