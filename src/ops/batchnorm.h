/* Batch normalisation over channels-last activations (floor 3), with
 * torch.nn.BatchNorm2d's semantics: eps 1e-5; in training the batch
 * statistics normalise and the running ones move by momentum 0.1 with the
 * unbiased variance. */
#ifndef SENET_OPS_BATCHNORM_H
#define SENET_OPS_BATCHNORM_H

#include "../base/real.h"

#include <stddef.h>

#define BN_EPS 1e-5
#define BN_MOMENTUM 0.1

/* Sync batch norm across data-parallel replicas: sum(ctx, v, n) replaces the
 * n doubles of v by their sum over all replicas (every replica calls it in
 * the same order). The first failure is kept in status and later sums are
 * skipped; the pass finishes on local values and the caller reports it. */
typedef struct bn_sync {
    int (*sum)(void *ctx, double *values, size_t count);
    void *ctx;
    int status;
} bn_sync;

/* Train mode. x, y: (rows, C) with rows = N*H*W. Saves mean and inv_std (C)
 * for backward; updates running_mean/running_var (C) when they are not NULL.
 * relu: y is max(0, BN(x)), the ReLU after it done in the same pass.
 * sync (NULL: this batch alone) makes the statistics those of all replicas' rows. */
void batchnorm_forward_train(real *y, real *mean, real *inv_std, const real *x, const real *gamma,
                             const real *beta, real *running_mean, real *running_var, size_t rows, int c, int relu,
                             bn_sync *sync);

/* Eval mode: y = (x - running_mean) / sqrt(running_var + eps) * gamma + beta. */
/* Eval mode as y = x * scale + shift per channel (also what folding BN
 * into the preceding convolution uses). */
void batchnorm_eval_affine(real *scale, real *shift, const real *gamma, const real *beta, const real *running_mean,
                           const real *running_var, int c);

void batchnorm_forward_eval(real *y, const real *x, const real *gamma, const real *beta,
                            const real *running_mean, const real *running_var, size_t rows, int c);

/* Train-mode backward. Accumulates d_x (may be NULL), d_gamma, d_beta; with
 * sync, the sums over rows that d_x needs run over all replicas' rows.
 * relu_y (may be NULL): the output of a ReLU fused after the BN, and d_y
 * that ReLU's output gradient, which passes where relu_y is positive. */
void batchnorm_backward(real *d_x, real *d_gamma, real *d_beta, const real *d_y, const real *relu_y, const real *x,
                        const real *mean, const real *inv_std, const real *gamma, size_t rows, int c,
                        bn_sync *sync);

#endif
