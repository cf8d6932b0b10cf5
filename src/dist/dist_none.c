/* The dist floor without MPI: a group of one. Started by an MPI launcher
 * anyway, it refuses rather than let P copies train side by side, each
 * believing it is alone and all writing the same files. */
#include "dist.h"

#include "senet.h"

#include <stdio.h>
#include <stdlib.h>

int dist_init(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    const char *size = getenv("OMPI_COMM_WORLD_SIZE");
    if (!size)
        size = getenv("PMI_SIZE");
    if (size && atoi(size) > 1) {
        fprintf(stderr, "senet: started as one of %s MPI processes, but this senet was built without MPI;\n"
                        "install MPI (Debian: libopenmpi-dev) and rebuild to train across processes\n", size);
        return SENET_ERR_STATE;
    }
    return SENET_OK;
}

void dist_finish(void) {}
void dist_abort(int code) { exit(code); }
int dist_rank(void) { return 0; }
int dist_world(void) { return 1; }
int dist_local_world(void) { return 1; }
const char *dist_library(void) { return "none (built without MPI)"; }

int dist_sum_doubles(void *ctx, double *values, size_t count) { (void)ctx, (void)values, (void)count; return SENET_OK; }
int dist_sum_floats(float *values, size_t count) { (void)values, (void)count; return SENET_OK; }
int dist_sum_i64(int64_t *values, size_t count) { (void)values, (void)count; return SENET_OK; }
int dist_broadcast_floats(float *values, size_t count) { (void)values, (void)count; return SENET_OK; }
int dist_check_same(uint64_t value, const char *what) { (void)value, (void)what; return SENET_OK; }
