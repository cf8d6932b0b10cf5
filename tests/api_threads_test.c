/* One net, two threads (issue 17): a call on a net while another runs on
 * it fails with SENET_ERR_STATE and writes nothing, and the call that runs
 * gives the right logits. Before, both forwards returned SENET_OK with
 * wrong logits (they shared the activation buffers). Deterministic first:
 * a call made from inside a running one (the replica hook runs in the
 * middle of senet_net_forward_backward), from another thread and from the
 * same one; then two threads racing on senet_net_forward. Runs under the
 * sanitizer build as well. */
#include "check.h"
#include "senet.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

enum { N = 8, SIZE = 32, CLASSES = 10, RACES = 30 };

static float x[N * 3 * SIZE * SIZE], want[N * CLASSES];
static const float SENTINEL = -12345.0f;

static void fill(float *a, size_t count)
{
    for (size_t i = 0; i < count; i++)
        a[i] = SENTINEL;
}

static int untouched(const float *a, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (a[i] != SENTINEL)
            return 0;
    return 1;
}

typedef struct call {
    senet_net *net;
    pthread_barrier_t *start;
    float logits[N * CLASSES];
    int status;
} call;

static void *forward_thread(void *arg)
{
    call *c = arg;
    fill(c->logits, N * CLASSES);
    if (c->start)
        pthread_barrier_wait(c->start);
    c->status = senet_net_forward(c->net, x, N, SIZE, SIZE, c->logits);
    return NULL;
}

/* The replica hook: runs while senet_net_forward_backward holds the net. */
typedef struct hook {
    senet_net *net;
    int calls, other_thread, same_thread, logits_null;
    int other_untouched;
} hook;

static int sum_alone(void *ctx, double *values, size_t count)
{
    (void)values, (void)count;
    hook *h = ctx;
    if (h->calls++ > 0)
        return 0;
    call c = {h->net, NULL, {0}, 0};
    pthread_t t;
    pthread_create(&t, NULL, forward_thread, &c);
    pthread_join(t, NULL);
    h->other_thread = c.status;
    h->other_untouched = untouched(c.logits, N * CLASSES);
    h->same_thread = senet_net_save(h->net, "/nonexistent/never.safetensors");
    int n;
    h->logits_null = senet_net_last_logits(h->net, &n) == NULL;
    return 0;
}

int main(void)
{
    for (size_t i = 0; i < sizeof x / sizeof *x; i++)
        x[i] = (float)((i * 7919 % 1000) / 500.0 - 1.0);
    senet_set_threads(1); /* the same plan, hence the same bits, in every call */
    senet_config cfg;
    senet_net *net = NULL;
    check(senet_config_default("se_resnet20", &cfg) == SENET_OK && senet_net_create(&cfg, &net) == SENET_OK &&
              senet_net_init(net, 11) == SENET_OK,
          "create");
    check(senet_net_forward(net, x, N, SIZE, SIZE, want) == SENET_OK, "reference forward");

    hook h = {net, 0, -1, -1, 0, 0};
    senet_replicas r = {sum_alone, &h, 0};
    int64_t labels[N] = {0, 1, 2, 3, 4, 5, 6, 7};
    float loss;
    check(senet_net_set_replicas(net, &r) == SENET_OK, "attach the hook");
    check(senet_net_forward_backward(net, x, labels, N, SIZE, SIZE, 0, &loss) == SENET_OK, "the step itself runs");
    check(h.other_thread == SENET_ERR_STATE && h.other_untouched,
          "a forward from another thread during the step is SENET_ERR_STATE and writes no logit");
    check(h.same_thread == SENET_ERR_STATE, "a call from inside the step, on its own thread, is SENET_ERR_STATE");
    check(h.logits_null, "no last logits while the step runs");
    check(senet_net_set_replicas(net, NULL) == SENET_OK, "detach");
    check(senet_net_init(net, 11) == SENET_OK, "back to the reference weights");

    /* Racing: each call either runs (right logits) or is refused (untouched). */
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, 2);
    int refused = 0, ran = 0, wrong = 0;
    for (int race = 0; race < RACES; race++) {
        call c[2] = {{net, &start, {0}, 0}, {net, &start, {0}, 0}};
        pthread_t t[2];
        for (int i = 0; i < 2; i++)
            pthread_create(&t[i], NULL, forward_thread, &c[i]);
        for (int i = 0; i < 2; i++) {
            pthread_join(t[i], NULL);
            if (c[i].status == SENET_OK) {
                ran++;
                wrong += memcmp(c[i].logits, want, sizeof want) != 0;
            } else {
                refused++;
                wrong += c[i].status != SENET_ERR_STATE || !untouched(c[i].logits, N * CLASSES);
            }
        }
    }
    pthread_barrier_destroy(&start);
    printf("%d races: %d forwards ran, %d were refused\n", RACES, ran, refused);
    check(wrong == 0, "every forward gave the right logits or SENET_ERR_STATE with its logits untouched");
    check(ran >= RACES, "at least one forward of each race ran");
    check(refused > 0, "some race overlapped and was refused");
    senet_net_free(net);
    return report();
}
