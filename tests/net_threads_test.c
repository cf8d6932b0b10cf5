/* Per-net thread counts (senet_net_set_threads): two nets in one process
 * run their calls with their own counts — seen from inside a call, in the
 * replica hook of a training step — while the process-wide count stays;
 * run at the same time from two threads, each gives the logits it gives
 * alone, bit for bit. And senet_version() is the header's. */
#include "check.h"
#include "senet.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum { N = 2, SIZE = 32, CLASSES = 10 };

static int seen_threads; /* senet_get_threads() inside the last call's hook */

static int record_threads(void *ctx, double *values, size_t count)
{
    (void)ctx, (void)values, (void)count; /* one replica: the sum is the values */
    seen_threads = senet_get_threads();
    return 0;
}

typedef struct job {
    senet_net *net;
    const float *x;
    float logits[N * CLASSES];
    int status;
} job;

static void *run_forward(void *arg)
{
    job *j = arg;
    for (int i = 0; i < 5 && !j->status; i++)
        j->status = senet_net_forward(j->net, j->x, N, SIZE, SIZE, j->logits);
    return NULL;
}

int main(void)
{
    check(strcmp(senet_version(), SENET_VERSION) == 0, "senet_version() is the header's SENET_VERSION");
    senet_config cfg;
    senet_net *a = NULL, *b = NULL;
    senet_config_default("se_resnet20", &cfg);
    check(senet_net_create(&cfg, &a) == SENET_OK && senet_net_create(&cfg, &b) == SENET_OK &&
              senet_net_init(a, 1) == SENET_OK && senet_net_init(b, 2) == SENET_OK,
          "two nets are made");
    if (!a || !b)
        return report();
    senet_set_threads(3);
    check(senet_net_set_threads(a, 1) == SENET_OK && senet_net_set_threads(b, 2) == SENET_OK, "each gets a count");
    check(senet_net_set_threads(a, -1) == SENET_ERR_ARGUMENT && senet_net_set_threads(NULL, 1) == SENET_ERR_ARGUMENT,
          "a negative count and a NULL net are refused");
    check(senet_net_get_threads(a) == 1 && senet_net_get_threads(b) == 2 && senet_get_threads() == 3,
          "the nets report their counts; the process-wide one stays 3");

    float *x = malloc((size_t)N * 3 * SIZE * SIZE * sizeof(float));
    for (int i = 0; i < N * 3 * SIZE * SIZE; i++)
        x[i] = (float)((i * 7919) % 1000) / 500.0f - 1;
    int64_t labels[N] = {1, 2};
    float loss;
    senet_replicas hook = {record_threads, NULL, 0};
    senet_net_set_replicas(a, &hook);
    senet_net_set_replicas(b, &hook);
    check(senet_net_forward_backward(a, x, labels, N, SIZE, SIZE, 0, &loss) == SENET_OK && seen_threads == 1,
          "a's training step runs with 1 thread");
    check(senet_net_forward_backward(b, x, labels, N, SIZE, SIZE, 0, &loss) == SENET_OK && seen_threads == 2,
          "b's training step runs with 2 threads");
    check(senet_get_threads() == 3, "after the calls the process-wide count is 3 again");
    senet_net_set_threads(b, 0);
    check(senet_net_forward_backward(b, x, labels, N, SIZE, SIZE, 0, &loss) == SENET_OK && seen_threads == 3,
          "count 0: b follows the process-wide count");
    senet_net_set_threads(b, 2);
    senet_net_set_replicas(a, NULL);
    senet_net_set_replicas(b, NULL);

    job alone[2] = {{a, x, {0}, 0}, {b, x, {0}, 0}}, together[2] = {{a, x, {0}, 0}, {b, x, {0}, 0}};
    run_forward(&alone[0]);
    run_forward(&alone[1]);
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, run_forward, &together[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < 2; i++)
        check(alone[i].status == SENET_OK && together[i].status == SENET_OK &&
                  memcmp(alone[i].logits, together[i].logits, sizeof alone[i].logits) == 0,
              "a net run beside the other gives its logits alone, bit for bit");
    free(x);
    senet_net_free(a);
    senet_net_free(b);
    return report();
}
