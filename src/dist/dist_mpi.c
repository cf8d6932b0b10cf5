/* The dist floor on MPI (standard MPI-3 only, so Open MPI and MPICH both
 * serve). The group works on a duplicate of MPI_COMM_WORLD with
 * MPI_ERRORS_RETURN, so a failed call comes back here with its message
 * instead of killing the job from inside the library; the caller then
 * prints it and calls dist_abort. A rank that dies outright is the
 * launcher's business: Open MPI's mpirun then kills the remaining ranks
 * (see README, "Training on several processes"). */
#include "dist.h"

#include "senet.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static MPI_Comm comm = MPI_COMM_NULL;
static int joined, rank, world = 1, local_world = 1;
static char library[MPI_MAX_LIBRARY_VERSION_STRING];

/* Launched by an MPI launcher? Open MPI sets OMPI_COMM_WORLD_SIZE, MPICH's
 * Hydra and other PMI launchers PMI_SIZE, PMIx ones PMIX_RANK. A plain
 * `senet ...` then never pays for MPI_Init (a singleton start). */
static int launched(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMI_RANK") || getenv("PMIX_RANK");
}

static int failed(int code, const char *call)
{
    char text[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(code, text, &len) != MPI_SUCCESS)
        snprintf(text, sizeof text, "MPI error %d", code);
    fprintf(stderr, "senet (rank %d): %s failed: %s\n", rank, call, text);
    return SENET_ERR_IO;
}

int dist_init(int *argc, char ***argv)
{
    if (!launched())
        return SENET_OK;
    int provided, code = MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
    if (code != MPI_SUCCESS)
        return failed(code, "MPI_Init_thread");
    joined = 1;
    MPI_Comm_dup(MPI_COMM_WORLD, &comm);
    MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &world);
    MPI_Comm local;
    if (MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &local) == MPI_SUCCESS) {
        MPI_Comm_size(local, &local_world);
        MPI_Comm_free(&local);
    }
    int len = 0;
    MPI_Get_library_version(library, &len);
    library[strcspn(library, "\n,")] = '\0'; /* the first line: "Open MPI v4.1.4", "MPICH Version:\t4.0.2" */
    for (char *c = library; *c; c++)
        if (*c == '\t')
            *c = ' ';
    return SENET_OK;
}

void dist_finish(void)
{
    if (!joined)
        return;
    MPI_Comm_free(&comm);
    MPI_Finalize();
    joined = 0;
}

void dist_abort(int code)
{
    if (joined)
        MPI_Abort(MPI_COMM_WORLD, code);
    exit(code);
}

int dist_rank(void) { return rank; }
int dist_world(void) { return world; }
int dist_local_world(void) { return local_world; }
const char *dist_library(void) { return joined ? library : "none (not started by an MPI launcher)"; }

/* MPI counts are int: long buffers go in pieces. */
#define CHUNK ((size_t)1 << 30)

static int allreduce(void *values, size_t count, MPI_Datatype type, size_t size, MPI_Op op)
{
    if (world == 1)
        return SENET_OK;
    for (size_t done = 0; done < count; done += CHUNK) {
        size_t n = count - done < CHUNK ? count - done : CHUNK;
        int code = MPI_Allreduce(MPI_IN_PLACE, (char *)values + done * size, (int)n, type, op, comm);
        if (code != MPI_SUCCESS)
            return failed(code, "MPI_Allreduce");
    }
    return SENET_OK;
}

int dist_sum_doubles(void *ctx, double *values, size_t count)
{
    (void)ctx;
    return allreduce(values, count, MPI_DOUBLE, sizeof(double), MPI_SUM);
}

int dist_sum_floats(float *values, size_t count) { return allreduce(values, count, MPI_FLOAT, sizeof(float), MPI_SUM); }

int dist_sum_i64(int64_t *values, size_t count) { return allreduce(values, count, MPI_INT64_T, sizeof(int64_t), MPI_SUM); }

int dist_broadcast_floats(float *values, size_t count)
{
    if (world == 1)
        return SENET_OK;
    for (size_t done = 0; done < count; done += CHUNK) {
        size_t n = count - done < CHUNK ? count - done : CHUNK;
        int code = MPI_Bcast(values + done, (int)n, MPI_FLOAT, 0, comm);
        if (code != MPI_SUCCESS)
            return failed(code, "MPI_Bcast");
    }
    return SENET_OK;
}

int dist_check_same(uint64_t value, const char *what)
{
    uint64_t v[2] = {value, ~value}; /* one MIN gives both the smallest and (negated) the largest */
    int status = allreduce(v, 2, MPI_UINT64_T, sizeof(uint64_t), MPI_MIN);
    if (status)
        return status;
    if (v[0] == ~v[1])
        return SENET_OK;
    if (rank == 0)
        fprintf(stderr, "senet: the %d ranks disagree on %s; every rank must run the same command on the same data\n",
                world, what);
    fprintf(stderr, "senet (rank %d): %s hash %016llx\n", rank, what, (unsigned long long)value);
    return SENET_ERR_ARGUMENT;
}
