/* Checkpoints: a run saved and resumed continues bit for bit like one never
 * interrupted (weights, BN statistics, momentum, dropout RNG), and a
 * checkpoint refuses to load into a different net or with bad metadata, and
 * one of a diverged (NaN) state is not written. */
#include "check.h"
#include "senet.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { N = 4, SIZE = 32 };

static senet_net *make_net(const char *arch, float dropout)
{
    senet_config cfg;
    senet_config_default(arch, &cfg);
    cfg.dropout = dropout;
    senet_net *net = NULL;
    if (senet_net_create(&cfg, &net) || senet_net_init(net, 7))
        return NULL;
    return net;
}

static int train_steps(senet_net *net, const float *x, const int64_t *y, int steps)
{
    senet_sgd_options opt = {.lr = 0.05f, .momentum = 0.9f, .weight_decay = 1e-4f, .nesterov = 1};
    for (int i = 0; i < steps; i++) {
        float loss;
        if (senet_net_forward_backward(net, x, y, N, SIZE, SIZE, 0.1f, &loss) || senet_sgd_step(net, &opt))
            return -1;
    }
    return 0;
}

static int same_params(senet_net *a, senet_net *b)
{
    float *pa, *pb, *ga, *gb;
    size_t na, nb;
    senet_net_params(a, &pa, &ga, &na);
    senet_net_params(b, &pb, &gb, &nb);
    return na == nb && memcmp(pa, pb, na * sizeof(float)) == 0;
}

int main(void)
{
    char dir[] = "/tmp/senet_ckpt_XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char path[256], bad[256];
    snprintf(path, sizeof path, "%s/run.ckpt", dir);
    snprintf(bad, sizeof bad, "%s/weights.safetensors", dir);

    float *x = malloc(sizeof(float) * N * 3 * SIZE * SIZE);
    int64_t y[N] = {0, 3, 7, 9};
    for (int i = 0; i < N * 3 * SIZE * SIZE; i++)
        x[i] = (float)((i * 2654435761u) % 1000) / 500.0f - 1.0f;

    /* Uninterrupted: 5 steps. Interrupted: 2 steps, checkpoint, a new process-like net resumes 3. */
    senet_net *straight = make_net("se_resnet20", 0.3f), *first = make_net("se_resnet20", 0.3f),
              *resumed = make_net("se_resnet20", 0.3f);
    check(straight && first && resumed, "create nets");
    check(train_steps(straight, x, y, 5) == 0, "5 uninterrupted steps");
    check(train_steps(first, x, y, 2) == 0, "2 steps before the checkpoint");
    senet_checkpoint_info info = {1, 2, 0, 42, "test run"}, back;
    check(senet_checkpoint_save(first, path, &info) == 0, "save checkpoint");
    check(senet_checkpoint_load(resumed, path, &back) == 0, "load checkpoint");
    check(back.epoch == 1 && back.step == 2 && back.batch == 0 && back.seed == 42 && strcmp(back.note, "test run") == 0,
          "checkpoint info round trip");
    check(!same_params(straight, resumed), "the checkpoint is not yet the final state");
    check(train_steps(resumed, x, y, 3) == 0, "3 steps after resuming");
    check(same_params(straight, resumed), "resumed run ends bit-identical to the uninterrupted one");

    /* The wrong net, and a plain weights file, are refused with a reason. */
    senet_net *other = make_net("resnet20", 0.3f);
    check(senet_checkpoint_load(other, path, &back) == SENET_ERR_SHAPE && strstr(senet_last_error(), path),
          "a checkpoint of se_resnet20 is refused by resnet20, naming the file");
    check(senet_net_save(first, bad) == 0, "save plain weights");
    check(senet_checkpoint_load(resumed, bad, &back) == SENET_ERR_FORMAT && strstr(senet_last_error(), "not a senet checkpoint"),
          "plain weights are not a checkpoint");
    /* A checkpoint still loads as plain weights (the momentum buffer is ignored). */
    check(senet_net_load(resumed, path) == 0, "a checkpoint loads as weights");

    /* A diverged state (one weight NaN) is refused and the file kept as it was. */
    FILE *before = fopen(path, "rb");
    fseek(before, 0, SEEK_END);
    long size_before = ftell(before);
    fclose(before);
    float *params, *grads;
    size_t count;
    senet_net_params(first, &params, &grads, &count);
    float kept = params[count / 2];
    params[count / 2] = NAN;
    check(senet_checkpoint_save(first, path, &info) == SENET_ERR_NUMERIC && strstr(senet_last_error(), path),
          "a checkpoint of NaN weights is refused, naming the file");
    params[count / 2] = kept;
    check(senet_checkpoint_load(resumed, path, &back) == 0 && back.step == info.step, "the previous checkpoint still loads");
    before = fopen(path, "rb");
    fseek(before, 0, SEEK_END);
    check(ftell(before) == size_before, "and has its size");
    fclose(before);

    senet_net_free(straight);
    senet_net_free(first);
    senet_net_free(resumed);
    senet_net_free(other);
    free(x);
    unlink(path);
    unlink(bad);
    rmdir(dir);
    return report();
}
