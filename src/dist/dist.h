/* The process group of a data-parallel run (floor 5: dist). Built on MPI
 * when CMake finds it (dist_mpi.c), otherwise a group of one (dist_none.c),
 * so the same CLI code runs alone and under mpirun. libsenet itself knows
 * nothing of MPI: it only calls the sum function it is given
 * (senet_replicas), which here is dist_sum_doubles.
 *
 * Every function that communicates is collective: all ranks call it in the
 * same order. Failures print "senet (rank R): ..." to stderr and return a
 * senet status; after one, call dist_abort, since the other ranks may be
 * waiting in a collective that will never complete. */
#ifndef SENET_DIST_DIST_H
#define SENET_DIST_DIST_H

#include <stddef.h>
#include <stdint.h>

/* Joins the MPI job when this process was started by mpirun/mpiexec (Open
 * MPI, MPICH or any PMI launcher), else stays a group of one. 0 or a status. */
int dist_init(int *argc, char ***argv);
/* MPI_Finalize when dist_init joined a job. */
void dist_finish(void);
/* Stops every rank of the job with this exit code (MPI_Abort); exits when alone. */
void dist_abort(int code);

int dist_rank(void);        /* 0 .. world - 1 */
int dist_world(void);       /* ranks in the job, 1 when alone */
int dist_local_world(void); /* ranks on this host */
const char *dist_library(void); /* "Open MPI v4.1.4 ...", "none" */

/* In place, over all ranks. */
int dist_sum_doubles(void *ctx, double *values, size_t count); /* ctx unused: fits senet_replicas.sum */
int dist_sum_floats(float *values, size_t count);
int dist_sum_i64(int64_t *values, size_t count);
/* Rank 0's values to every rank. */
int dist_broadcast_floats(float *values, size_t count);

/* Whether every rank holds the same value (a hash of what `what` names).
 * 0 when they agree; otherwise each rank prints its value and `what`, and
 * SENET_ERR_ARGUMENT is returned on every rank. */
int dist_check_same(uint64_t value, const char *what);

/* FNV-1a, to hash what ranks must agree on. */
uint64_t dist_hash(uint64_t h, const void *bytes, size_t count);
#define DIST_HASH_START 0xcbf29ce484222325ULL

#endif
