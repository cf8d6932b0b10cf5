/* A failed call leaves the net as it was (issue 17): its weights, its BN
 * statistics, whether it is frozen, the logits it gives and those of its
 * last training step. Before, a failed senet_net_load on a frozen net
 * un-froze it, and the next forward returned SENET_OK with logits of the
 * released (zeroed) weights, which senet_net_save then wrote. */
#define _DEFAULT_SOURCE /* mkdtemp */
#include "check.h"
#include "senet.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { N = 2, SIZE = 32, CLASSES = 10 };

static float x[N * 3 * SIZE * SIZE];
static int64_t labels[N] = {3, 7};

static int same(const float *a, const float *b, size_t count) { return memcmp(a, b, count * sizeof *a) == 0; }

/* The logits of NET now equal WANT, bit for bit. */
static int logits_are(senet_net *net, const float *want)
{
    float got[N * CLASSES];
    return senet_net_forward(net, x, N, SIZE, SIZE, got) == SENET_OK && same(got, want, N * CLASSES);
}

static senet_net *make(const char *arch, uint64_t seed)
{
    senet_config cfg;
    senet_net *net = NULL;
    if (senet_config_default(arch, &cfg) || senet_net_create(&cfg, &net) || senet_net_init(net, seed))
        return NULL;
    return net;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* A frozen net and the four kinds of bad file: nothing changes. */
static void failed_loads_on_frozen(const char *wrong, const char *garbage, const char *wrong_ckpt, const char *scratch)
{
    senet_net *net = make("se_resnet20", 5);
    float before[N * CLASSES];
    check(net && senet_net_forward(net, x, N, SIZE, SIZE, before) == SENET_OK, "frozen case: create and forward");
    check(senet_net_freeze(net) == SENET_OK, "freeze");
    check(senet_net_load(net, wrong) == SENET_ERR_SHAPE, "a resnet20 file into se_resnet20 is SENET_ERR_SHAPE");
    check(senet_net_load(net, garbage) == SENET_ERR_FORMAT, "a file that is not safetensors is SENET_ERR_FORMAT");
    check(senet_net_load(net, "/nonexistent/w.safetensors") == SENET_ERR_IO, "a missing file is SENET_ERR_IO");
    senet_checkpoint_info info;
    memset(&info, 0x5a, sizeof info);
    senet_checkpoint_info sentinel = info;
    check(senet_checkpoint_load(net, wrong_ckpt, &info) == SENET_ERR_SHAPE, "a resnet20 checkpoint is SENET_ERR_SHAPE");
    check(memcmp(&info, &sentinel, sizeof info) == 0, "a failed checkpoint load leaves *info alone");
    check(logits_are(net, before), "after the failed loads a frozen net gives the logits it gave");
    check(senet_net_save(net, scratch) == SENET_ERR_STATE && access(scratch, F_OK) != 0,
          "after the failed loads the net is still frozen: saving refused, nothing written");
    float *p, *g;
    size_t count;
    check(senet_net_params(net, &p, &g, &count) == SENET_ERR_STATE, "parameter access still refused");
    senet_net_free(net);
}

/* An unfrozen net: a failed load changes no weight and no statistic. */
static void failed_loads_unfrozen(const char *wrong)
{
    senet_net *net = make("se_resnet20", 6);
    float loss, *p, *g, *b;
    size_t np, nb;
    check(net && senet_net_forward_backward(net, x, labels, N, SIZE, SIZE, 0, &loss) == SENET_OK,
          "unfrozen case: a training step (BN statistics move)");
    check(senet_net_params(net, &p, &g, &np) == SENET_OK && senet_net_buffers(net, &b, &nb) == SENET_OK, "params");
    float *p0 = malloc(np * sizeof *p0), *b0 = malloc(nb * sizeof *b0);
    memcpy(p0, p, np * sizeof *p0);
    memcpy(b0, b, nb * sizeof *b0);
    check(senet_net_load(net, wrong) == SENET_ERR_SHAPE, "wrong file refused");
    check(same(p, p0, np) && same(b, b0, nb), "a failed load changes no parameter and no BN statistic");
    free(p0);
    free(b0);
    senet_net_free(net);
}

/* Failed forwards and training steps keep the last step's logits and the statistics. */
static void failed_runs(void)
{
    senet_net *net = make("se_resnet20", 7);
    float loss, logits[N * CLASSES];
    int n = 0;
    check(net && senet_net_forward_backward(net, x, labels, N, SIZE, SIZE, 0, &loss) == SENET_OK, "a training step");
    const float *last = senet_net_last_logits(net, &n);
    float kept[N * CLASSES];
    check(last && n == N, "the step's logits are there");
    if (last)
        memcpy(kept, last, sizeof kept);
    check(senet_net_forward(net, x, N, 16, 16, logits) == SENET_ERR_SHAPE, "a 16x16 forward is SENET_ERR_SHAPE");
    check(senet_net_forward(net, x, N, 20000, 32, logits) == SENET_ERR_ARGUMENT, "a 20000-row forward is refused");
    check(senet_net_forward(net, x, (1 << 20) + 1, 32, 32, logits) == SENET_ERR_ARGUMENT, "too large a batch");
    int64_t bad[N] = {3, CLASSES};
    check(senet_net_forward_backward(net, x, bad, N, SIZE, SIZE, 0, &loss) == SENET_ERR_ARGUMENT, "a bad label");
    check(senet_net_forward_backward(net, x, labels, N, 8, 8, 0, &loss) == SENET_ERR_SHAPE, "a too small image");
    last = senet_net_last_logits(net, &n);
    check(last && n == N && same(last, kept, N * CLASSES), "the failed calls kept the last step's logits");

    float *b;
    size_t nb;
    check(senet_net_buffers(net, &b, &nb) == SENET_OK, "buffers");
    float *b0 = malloc(nb * sizeof *b0);
    memcpy(b0, b, nb * sizeof *b0);
    /* A NaN classifier bias (the last parameter) makes the loss NaN after
     * the forward has moved the BN statistics. */
    float *p, *g;
    size_t np;
    check(senet_net_params(net, &p, &g, &np) == SENET_OK, "params");
    p[np - 1] = NAN;
    check(senet_net_forward_backward(net, x, labels, N, SIZE, SIZE, 0, &loss) == SENET_ERR_NUMERIC,
          "a NaN loss is SENET_ERR_NUMERIC");
    check(same(b, b0, nb), "the failed step put the BN statistics back");
    check(senet_net_last_logits(net, &n) == NULL, "and leaves no logits of its own");
    senet_sgd_options nesterov = {.lr = 0.1f, .momentum = 0, .nesterov = 1};
    check(senet_sgd_step(net, &nesterov) == SENET_ERR_ARGUMENT, "Nesterov without momentum refused");
    free(b0);
    senet_net_free(net);
}

int main(void)
{
    for (size_t i = 0; i < sizeof x / sizeof *x; i++)
        x[i] = (float)((i * 7919 % 1000) / 500.0 - 1.0);
    char dir[] = "/tmp/senet_state_XXXXXX";
    if (!mkdtemp(dir)) {
        printf("cannot create a temporary folder\n0 passed, 1 failed\n");
        return 1;
    }
    char wrong[64], garbage[64], wrong_ckpt[64], scratch[64];
    snprintf(wrong, sizeof wrong, "%s/resnet20.safetensors", dir);
    snprintf(garbage, sizeof garbage, "%s/garbage.safetensors", dir);
    snprintf(wrong_ckpt, sizeof wrong_ckpt, "%s/resnet20.ckpt", dir);
    snprintf(scratch, sizeof scratch, "%s/never_written.safetensors", dir);
    senet_net *plain = make("resnet20", 1);
    senet_checkpoint_info info = {0};
    check(plain && senet_net_save(plain, wrong) == SENET_OK && senet_checkpoint_save(plain, wrong_ckpt, &info) == SENET_OK,
          "files of another architecture");
    senet_net_free(plain);
    write_text(garbage, "this is not a safetensors file at all");

    failed_loads_on_frozen(wrong, garbage, wrong_ckpt, scratch);
    failed_loads_unfrozen(wrong);
    failed_runs();

    remove(wrong);
    remove(garbage);
    remove(wrong_ckpt);
    remove(scratch);
    rmdir(dir);
    return report();
}
