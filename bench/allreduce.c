/* The cost of the collectives data-parallel training makes, alone: the
 * MPI_Allreduce of one net's flat gradient (floats) and of a sync-BN
 * message (doubles), best and median of R repetitions after a warm-up.
 * Usage: mpirun -np P allreduce COUNT[:double] ... (bench/mpi.sh builds it). */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, world;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &world);
    enum { REPS = 30 };
    for (int a = 1; a < argc; a++) {
        long count = atol(argv[a]);
        int dbl = strstr(argv[a], ":double") != NULL;
        size_t size = dbl ? sizeof(double) : sizeof(float);
        void *buf = calloc((size_t)count, size);
        double t[REPS];
        for (int r = -3; r < REPS; r++) {
            MPI_Barrier(MPI_COMM_WORLD);
            double start = MPI_Wtime();
            MPI_Allreduce(MPI_IN_PLACE, buf, (int)count, dbl ? MPI_DOUBLE : MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
            if (r >= 0)
                t[r] = MPI_Wtime() - start;
        }
        qsort(t, REPS, sizeof *t, by_value);
        if (rank == 0)
            printf("allreduce of %ld %s (%.3f MB) over %d ranks: best %.1f us, median %.1f us\n", count,
                   dbl ? "doubles" : "floats", count * (double)size / 1e6, world, 1e6 * t[0], 1e6 * t[REPS / 2]);
        free(buf);
    }
    MPI_Finalize();
    return 0;
}
