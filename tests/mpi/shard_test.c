/* Sharding under mpirun: every rank opens the same CIFAR-10 file and a
 * loader for its shard, exactly as the CLI does (rank and world from the
 * dist floor, the global batch size). The counts of every dataset index,
 * summed over the ranks, must be 1 for each epoch (every image once, none
 * twice), also for an epoch resumed mid-way (the images from that batch on,
 * once each); each global batch must hold exactly the positions
 * [b * B, (b + 1) * B) of the epoch's permutation, split within one image
 * between the ranks. Run with any number of ranks; rank 0 reports. */
#include "data/dataset.h"
#include "data/loader.h"
#include "dist/dist.h"
#include "senet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { N = 103, RECORD = 1 + 3 * 32 * 32 };

static int failures;

static void check(int ok, const char *what, int64_t epoch, int batch_size)
{
    if (!ok) {
        failures++;
        if (dist_rank() == 0)
            printf("FAIL: %s (epoch %lld, batch size %d, %d ranks)\n", what, (long long)epoch, batch_size, dist_world());
    }
}

/* Image i has label i mod 10 (and pixels of its own); rank 0 writes it,
 * into a folder every rank sees. */
static int write_cifar(const char *path)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    unsigned char rec[RECORD];
    for (int i = 0; i < N; i++) {
        rec[0] = (unsigned char)(i % 10);
        for (int k = 1; k < RECORD; k++)
            rec[k] = (unsigned char)(i * 7 + k);
        fwrite(rec, 1, RECORD, f);
    }
    return fclose(f);
}

/* Runs epoch `epoch` from batch `first` and checks what the ranks saw together. */
static int run_epoch(loader *l, int batch_size, int64_t epoch, int64_t first)
{
    int64_t counts[N], *perm = malloc(N * sizeof *perm);
    memset(counts, 0, sizeof counts);
    loader_permutation(7, epoch, 1, N, perm);
    int status = loader_start_epoch(l, epoch, first);
    int64_t batches = loader_num_batches(l);
    for (int64_t b = first; !status; b++) {
        loader_batch lb;
        if ((status = loader_next(l, &lb)) || lb.end) {
            check(status || b == batches, "the epoch ends after the last batch", epoch, batch_size);
            break;
        }
        /* This rank's images must come from this batch's positions of the permutation. */
        int64_t begin = b * batch_size, end = begin + batch_size < N ? begin + batch_size : N;
        int64_t in_batch[N];
        memset(in_batch, 0, sizeof in_batch);
        for (int i = 0; i < lb.n; i++) {
            counts[lb.indices[i]]++;
            in_batch[lb.indices[i]]++;
            check(lb.labels[i] == lb.indices[i] % 10, "labels stay with their images", epoch, batch_size);
        }
        if ((status = dist_sum_i64(in_batch, N)))
            break;
        for (int64_t p = begin; p < end; p++)
            check(in_batch[perm[p]] == 1, "a global batch is its positions of the permutation", epoch, batch_size);
        /* Every rank's share, through one sum (each rank fills its own slot). */
        int64_t *shares = calloc((size_t)dist_world(), sizeof *shares), sum = 0, most = 0, least = N;
        shares[dist_rank()] = lb.n;
        if ((status = dist_sum_i64(shares, (size_t)dist_world())))
            break;
        for (int r = 0; r < dist_world(); r++) {
            sum += shares[r];
            most = shares[r] > most ? shares[r] : most;
            least = shares[r] < least ? shares[r] : least;
        }
        free(shares);
        check(sum == end - begin, "the ranks' shares add up to the global batch", epoch, batch_size);
        check(most - least <= 1, "the shares differ by at most one image", epoch, batch_size);
    }
    if (!status)
        status = dist_sum_i64(counts, N);
    if (!status)
        for (int64_t p = 0; p < N; p++)
            check(counts[perm[p]] == (p >= first * batch_size), "every image exactly once in the epoch", epoch, batch_size);
    free(perm);
    return status;
}

int main(int argc, char **argv)
{
    if (dist_init(&argc, &argv))
        return 1;
    if (argc != 2)
        return fprintf(stderr, "usage: mpiexec -n P shard_test FOLDER\n"), 2;
    char path[4096];
    snprintf(path, sizeof path, "%s/shard_test_%d.bin", argv[1], dist_world());
    int64_t written = dist_rank() == 0 ? write_cifar(path) : 0;
    dist_sum_i64(&written, 1); /* also a barrier: the file is complete before anyone opens it */
    if (written)
        return fprintf(stderr, "cannot write %s\n", path), dist_abort(1), 1;

    dataset *ds = NULL;
    preprocess prep;
    if (dataset_open(path, NULL, 1, &ds) || preprocess_preset("cifar-train", 32, "cifar", &prep)) {
        fprintf(stderr, "rank %d: %s\n", dist_rank(), senet_last_error());
        dist_abort(1);
    }
    const int sizes[] = {8, 10, 13, 103};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        if (sizes[s] < dist_world())
            continue;
        loader_options opt = {sizes[s], 7, 1, 0, dist_rank(), dist_world()};
        loader *l = NULL;
        if (loader_create(ds, &prep, &opt, &l)) {
            fprintf(stderr, "rank %d: %s\n", dist_rank(), senet_last_error());
            dist_abort(1);
        }
        int status = run_epoch(l, sizes[s], 0, 0);
        if (!status)
            status = run_epoch(l, sizes[s], 1, 0);
        if (!status)
            status = run_epoch(l, sizes[s], 1, 3 < loader_num_batches(l) ? 3 : 0); /* a resumed epoch */
        loader_free(l);
        if (status)
            dist_abort(1);
    }
    dataset_free(ds);
    int64_t total = failures;
    dist_sum_i64(&total, 1);
    if (dist_rank() == 0) {
        printf("%s: %lld failures over %d ranks\n", total ? "FAILED" : "passed", (long long)total, dist_world());
        unlink(path);
    }
    dist_finish();
    return total ? 1 : 0;
}
