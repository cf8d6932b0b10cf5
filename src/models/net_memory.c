/* A memory check before the activations of a batch are allocated.
 *
 * Linux overcommits: allocations far beyond the machine's memory succeed and
 * the process is killed (SIGKILL) later, when it touches the pages. So a
 * batch whose activations alone exceed the memory available (free RAM, page
 * cache it may reclaim, free swap) is refused up front with an error that
 * says how much it needs. Where /proc/meminfo cannot be read, no check. */
#include "net.h"

#include "../base/real.h"
#include "../base/status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* MemAvailable + SwapFree in bytes, or 0 when unknown. */
static double available_bytes(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return 0;
    char line[256];
    double kb = 0;
    int found = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long long v;
        if (sscanf(line, "MemAvailable: %llu kB", &v) == 1 || sscanf(line, "SwapFree: %llu kB", &v) == 1) {
            kb += (double)v;
            found++;
        }
    }
    fclose(f);
    return found ? kb * 1024.0 : 0;
}

int net_check_memory(const senet_net *net, int n, int h, int w, int training)
{
    int *hs = calloc((size_t)net->num_acts * 2, sizeof(int));
    if (!hs)
        return senet_fail(SENET_ERR_NOMEM, "out of memory");
    int *ws = hs + net->num_acts;
    int status = net_propagate_shapes(net, h, w, hs, ws);
    double need = 0; /* activations (and their gradients when training), a lower bound of the run's memory */
    for (int i = 0; i < net->num_acts && status == SENET_OK; i++)
        need += (double)n * hs[i] * ws[i] * net->acts[i].c * sizeof(real) * (training ? 2 : 1);
    free(hs);
    double have = status == SENET_OK ? available_bytes() : 0;
    if (have > 0 && need > have)
        status = senet_fail(SENET_ERR_NOMEM,
                            "a batch of %d at %dx%d needs at least %.1f GB for the activations of %s%s, but only "
                            "%.1f GB of memory is available: use a smaller batch or input size",
                            n, h, w, need / 1e9, net->cfg.arch, training ? " and their gradients" : "", have / 1e9);
    return status;
}
