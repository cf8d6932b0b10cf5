/* Data-parallel glue between the commands, libsenet and the dist floor. */
#include "parallel.h"

#include "dist/dist.h"
#include "progress.h"

#include <stdio.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

int parallel_failed_together;

void parallel_init(parallel *p, int sync_bn)
{
    memset(p, 0, sizeof *p);
    p->rank = dist_rank();
    p->world = dist_world();
    p->sync_bn = sync_bn;
}

long parallel_default_threads(long threads)
{
    int local = dist_local_world();
    if (threads != 0 || local <= 1)
        return threads;
#ifdef _OPENMP
    /* omp_get_num_procs counts the cores this process is bound to: under
     * Open MPI's default binding (a core per rank for 2 ranks) that is 1
     * already; unbound, every rank sees all cores and takes its share. */
    int procs = omp_get_num_procs();
    long share = procs > local ? procs / local : 1;
    return procs <= local ? 1 : share;
#else
    return 1;
#endif
}

int parallel_check_same(uint64_t hash, const char *what)
{
    int status = dist_check_same(hash, what);
    if (status == SENET_ERR_ARGUMENT)
        parallel_failed_together = 1;
    return status;
}

int parallel_check_command(const char *command, int argc, char **argv)
{
    uint64_t h = dist_hash(DIST_HASH_START, command, strlen(command));
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--threads") == 0) { /* hosts may differ in cores */
            i++;
            continue;
        }
        if (strncmp(argv[i], "--threads=", 10) == 0)
            continue;
        h = dist_hash(h, argv[i], strlen(argv[i]) + 1);
    }
    return parallel_check_same(h, "the command line (architecture, options, files)");
}

/* The sum hook handed to the net: dist's, timed. */
static int timed_sum(void *ctx, double *values, size_t count)
{
    parallel *p = ctx;
    double t = now_seconds();
    int status = dist_sum_doubles(NULL, values, count);
    p->hook_seconds += now_seconds() - t;
    p->hook_calls++;
    return status;
}

int parallel_attach(parallel *p, senet_net *net)
{
    if (p->world == 1)
        return SENET_OK;
    float *params, *grads, *buffers;
    size_t count, num_buffers;
    int status = senet_net_params(net, &params, &grads, &count);
    if (!status)
        status = senet_net_buffers(net, &buffers, &num_buffers);
    if (!status)
        status = dist_broadcast_floats(params, count);
    if (!status)
        status = dist_broadcast_floats(buffers, num_buffers);
    if (!status) {
        senet_replicas r = {timed_sum, p, p->sync_bn};
        status = senet_net_set_replicas(net, &r);
    }
    return status;
}

int parallel_sum_grads(parallel *p, senet_net *net)
{
    if (p->world == 1)
        return SENET_OK;
    float *params, *grads;
    size_t count;
    int status = senet_net_params(net, &params, &grads, &count);
    if (status)
        return status;
    double t = now_seconds();
    status = dist_sum_floats(grads, count);
    p->grad_seconds += now_seconds() - t;
    p->grad_calls++;
    return status;
}

int parallel_share_buffers(parallel *p, senet_net *net)
{
    if (p->world == 1 || p->sync_bn)
        return SENET_OK; /* with sync BN every rank computed the same statistics */
    float *buffers;
    size_t count;
    int status = senet_net_buffers(net, &buffers, &count);
    return status ? status : dist_broadcast_floats(buffers, count);
}
