/* The replica hook of libsenet without MPI (senet_net_set_replicas): two
 * nets in two threads, summing through shared memory, each holding a slice
 * of a batch (2 and 4 of 6 images, unequal on purpose), with sync BN, give
 * what one net gives on the whole batch: the sum of their gradients is its
 * gradient, their loss its loss, their BN running statistics its own.
 * Also: a failing sum fails the call with a message, and detaching makes a
 * net train alone again. Runs in every build, MPI or not. */
#include "senet.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { N = 6, SIZE = 32, SPLIT = 2 };

static int failed;
#define CHECK(cond, ...)                                                                                               \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            failed++;                                                                                                  \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                                                \
            printf(__VA_ARGS__);                                                                                       \
            printf("\n");                                                                                              \
        }                                                                                                              \
    } while (0)

/* Two replicas meet here: each posts its values, both add the two in the same order. */
typedef struct meeting {
    pthread_barrier_t barrier;
    double *slot[2];
} meeting;

typedef struct replica {
    meeting *m;
    int index;
    senet_net *net;
    const float *images;
    const int64_t *labels;
    int n;
    float loss;
    int status;
} replica;

static int sum_two(void *ctx, double *values, size_t count)
{
    replica *r = ctx;
    r->m->slot[r->index] = values;
    pthread_barrier_wait(&r->m->barrier);
    double *sum = malloc(count * sizeof *sum);
    for (size_t i = 0; i < count; i++)
        sum[i] = r->m->slot[0][i] + r->m->slot[1][i];
    pthread_barrier_wait(&r->m->barrier); /* both have read before either overwrites */
    memcpy(values, sum, count * sizeof *sum);
    free(sum);
    return 0;
}

static int sum_fails(void *ctx, double *values, size_t count)
{
    (void)ctx, (void)values, (void)count;
    return SENET_ERR_IO;
}

static void *train_slice(void *arg)
{
    replica *r = arg;
    r->status = senet_net_forward_backward(r->net, r->images, r->labels, r->n, SIZE, SIZE, 0.0f, &r->loss);
    /* The library's per-thread scratch is freed when this thread ends
     * (LeakSanitizer checks it under the sanitizer build). */
    return NULL;
}

static senet_net *make_net(void)
{
    senet_config cfg;
    senet_net *net = NULL;
    if (senet_config_default("se_resnet20", &cfg) || senet_net_create(&cfg, &net) || senet_net_init(net, 1)) {
        printf("cannot make the net: %s\n", senet_last_error());
        exit(1);
    }
    return net;
}

static double max_abs(const float *v, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        m = fabs(v[i]) > m ? fabs(v[i]) : m;
    return m;
}

int main(void)
{
    senet_set_threads(1);
    size_t chw = 3 * SIZE * SIZE;
    float *images = malloc(N * chw * sizeof(float));
    int64_t labels[N];
    unsigned s = 12345;
    for (size_t i = 0; i < N * chw; i++) {
        s = s * 1103515245u + 12345u;
        images[i] = (float)((s >> 8) & 0xffff) / 32768.0f - 1.0f;
    }
    for (int i = 0; i < N; i++)
        labels[i] = (i * 3) % 10;

    /* The referee: one net, the whole batch. */
    senet_net *whole = make_net();
    float loss_whole;
    CHECK(!senet_net_forward_backward(whole, images, labels, N, SIZE, SIZE, 0.0f, &loss_whole), "%s", senet_last_error());
    float *p_whole, *g_whole, *b_whole;
    size_t count, num_buffers;
    senet_net_params(whole, &p_whole, &g_whole, &count);
    senet_net_buffers(whole, &b_whole, &num_buffers);

    /* Two replicas with sync BN. */
    meeting m;
    pthread_barrier_init(&m.barrier, NULL, 2);
    replica r[2] = {{&m, 0, make_net(), images, labels, SPLIT, 0, 0},
                    {&m, 1, make_net(), images + SPLIT * chw, labels + SPLIT, N - SPLIT, 0, 0}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++) {
        senet_replicas hook = {sum_two, &r[i], 1};
        CHECK(!senet_net_set_replicas(r[i].net, &hook), "set_replicas");
    }
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, train_slice, &r[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    CHECK(!r[0].status && !r[1].status, "replica forward_backward failed");
    CHECK(r[0].loss == r[1].loss, "replicas report different losses %g %g", r[0].loss, r[1].loss);
    CHECK(fabsf(r[0].loss - loss_whole) <= 1e-6f * fabsf(loss_whole), "loss %.9g, whole batch %.9g", r[0].loss, loss_whole);
    float *p, *g0, *g1, *b0, *b1;
    senet_net_params(r[0].net, &p, &g0, &count);
    senet_net_params(r[1].net, &p, &g1, &count);
    senet_net_buffers(r[0].net, &b0, &num_buffers);
    senet_net_buffers(r[1].net, &b1, &num_buffers);
    /* float32 sums run in another order: 1e-5 of the largest gradient. */
    double scale = max_abs(g_whole, count), worst = 0;
    for (size_t i = 0; i < count; i++)
        worst = fmax(worst, fabs((double)g0[i] + g1[i] - g_whole[i]));
    printf("gradient: max |g0 + g1 - g| = %.3g of max |g| = %.3g\n", worst, scale);
    CHECK(worst <= 1e-5 * scale, "summed replica gradients differ from the whole batch's by %g", worst);
    double bn = 0;
    for (size_t i = 0; i < num_buffers; i++)
        bn = fmax(bn, fmax(fabs(b0[i] - b_whole[i]), fabs(b1[i] - b_whole[i])));
    CHECK(bn <= 1e-5 * max_abs(b_whole, num_buffers), "BN running statistics differ by %g", bn);

    /* Without sync BN each replica normalises its own slice: the gradients must then differ (the test can tell). */
    for (int i = 0; i < 2; i++) {
        senet_replicas hook = {sum_two, &r[i], 0};
        senet_net_set_replicas(r[i].net, &hook);
        pthread_create(&t[i], NULL, train_slice, &r[i]);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    worst = 0;
    for (size_t i = 0; i < count; i++)
        worst = fmax(worst, fabs((double)g0[i] + g1[i] - g_whole[i]));
    CHECK(!r[0].status && !r[1].status && worst > 1e-3 * scale, "per-replica BN: difference only %g", worst);

    /* A failing sum fails the call, naming it; detached, the net trains alone again. */
    senet_replicas broken = {sum_fails, NULL, 1};
    float loss;
    senet_net_set_replicas(r[0].net, &broken);
    int status = senet_net_forward_backward(r[0].net, images, labels, N, SIZE, SIZE, 0.0f, &loss);
    CHECK(status == SENET_ERR_IO && strstr(senet_last_error(), "replicas"), "failing sum: status %d, '%s'", status,
          senet_last_error());
    senet_net_set_replicas(r[0].net, NULL);
    senet_net *fresh = make_net();
    float *gf;
    senet_net_params(fresh, &p, &gf, &count);
    CHECK(!senet_net_forward_backward(fresh, images, labels, N, SIZE, SIZE, 0.0f, &loss_whole) &&
              !senet_net_forward_backward(r[0].net, images, labels, N, SIZE, SIZE, 0.0f, &loss) && loss == loss_whole,
          "detached: loss %g, alone %g", loss, loss_whole);

    senet_net_free(fresh);
    senet_net_free(whole);
    senet_net_free(r[0].net);
    senet_net_free(r[1].net);
    pthread_barrier_destroy(&m.barrier);
    free(images);
    printf("%s\n", failed ? "FAILED" : "passed");
    return failed ? 1 : 0;
}
