/* A net as one data-parallel replica (senet_net_set_replicas): the hook
 * batch norm syncs through, and the loss normalised by the global batch.
 *
 * Why the loss: one net with B images divides the loss, hence every
 * gradient, by B. Replica r holding n_r of them divides by n_r; averaging
 * the replicas' gradients is then right only when every n_r is equal, and
 * with sync BN not even the per-replica gradients would match (batch norm's
 * backward adds d_y over all replicas, which must share one scale). Dividing
 * by the global B on every replica makes the sum of their gradients exactly
 * the whole batch's, whatever the shard sizes. */
#include "net.h"

#include "../base/status.h"

#include <string.h>

int net_set_replicas(senet_net *net, const senet_replicas *replicas)
{
    if (replicas && replicas->sum) {
        net->replicas = *replicas;
    } else {
        memset(&net->replicas, 0, sizeof net->replicas);
    }
    net->bn_sync = (bn_sync){net->replicas.sum, net->replicas.ctx, 0};
    return SENET_OK;
}

bn_sync *net_bn_sync(senet_net *net) { return net->replicas.sum && net->replicas.sync_bn ? &net->bn_sync : NULL; }

int net_replica_status(senet_net *net)
{
    int status = net->bn_sync.status;
    net->bn_sync.status = 0;
    if (status)
        return senet_fail(status, "summing batch-norm statistics over the replicas failed (%s)", senet_strerror(status));
    return SENET_OK;
}

int net_replica_loss(senet_net *net, real *d_logits, int n, int k, double *loss)
{
    if (!net->replicas.sum)
        return SENET_OK;
    double v[2] = {(double)n, *loss * n}; /* images and loss sum, over all replicas */
    int status = net->replicas.sum(net->replicas.ctx, v, 2);
    if (status)
        return senet_fail(status, "summing the loss over the replicas failed (%s)", senet_strerror(status));
    real scale = (real)(n / v[0]);
    for (size_t i = 0; i < (size_t)n * k; i++)
        d_logits[i] *= scale;
    *loss = v[1] / v[0];
    return SENET_OK;
}

int net_buffers(senet_net *net, float **buffers, size_t *count)
{
    TRY(net_check_not_frozen(net, "senet_net_buffers"));
    net_infer_invalidate(net); /* the caller may write them, and eval mode folds them into its plan */
    *buffers = net->buffers;
    *count = net->num_buffers;
    return SENET_OK;
}
