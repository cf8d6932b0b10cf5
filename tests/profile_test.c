/* senet_net_profile: per-layer timing. Off, nothing is counted; on, every
 * layer (or fused group) that ran has one row, with one forward call per
 * forward and backward calls only after training; the rows' time lies
 * within the wall time of the calls; the multiply-adds of the rows add up
 * to senet_net_describe's; names follow the state dict. */
#include "check.h"
#include "senet.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { N = 4, SIZE = 32, CLASSES = 10, MAX_ROWS = 256 };

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

static const senet_layer_profile *find(const senet_layer_profile *rows, int count, const char *name)
{
    for (int i = 0; i < count; i++)
        if (strcmp(rows[i].name, name) == 0)
            return &rows[i];
    return NULL;
}

int main(void)
{
    static float x[N * 3 * SIZE * SIZE], logits[N * CLASSES];
    static senet_layer_profile rows[MAX_ROWS];
    for (size_t i = 0; i < sizeof x / sizeof *x; i++)
        x[i] = (float)((i * 7919 % 1000) / 500.0 - 1.0);
    int64_t labels[N] = {1, 4, 9, 0};

    senet_config cfg;
    senet_config_default("se_resnet20", &cfg);
    senet_net *net = NULL;
    check(senet_net_create(&cfg, &net) == SENET_OK && senet_net_init(net, 5) == SENET_OK, "create and init");
    uint64_t macs = 0;
    check(senet_net_describe(net, SIZE, SIZE, &macs, NULL, NULL) == SENET_OK, "describe");

    int count = -1;
    check(senet_net_forward(net, x, N, SIZE, SIZE, logits) == SENET_OK, "a forward before profiling");
    check(senet_net_profile(net, rows, MAX_ROWS, &count) == SENET_OK && count == 0, "no rows before profiling");
    check(senet_net_profile(net, NULL, 1, &count) == SENET_ERR_ARGUMENT, "room for rows but no array: refused");

    /* Inference: three forwards. */
    check(senet_net_set_profiling(net, 1) == SENET_OK, "profiling on");
    double t0 = now_ms();
    for (int k = 0; k < 3; k++)
        check(senet_net_forward(net, x, N, SIZE, SIZE, logits) == SENET_OK, "profiled forward");
    double wall = now_ms() - t0;
    check(senet_net_profile(net, NULL, 0, &count) == SENET_OK && count > 0 && count < MAX_ROWS, "row count");
    check(senet_net_profile(net, rows, MAX_ROWS, &count) == SENET_OK, "rows");
    double ms = 0;
    uint64_t row_macs = 0;
    int ok_calls = 1;
    for (int i = 0; i < count; i++) {
        ms += rows[i].forward_ms + rows[i].backward_ms;
        row_macs += rows[i].macs;
        ok_calls &= rows[i].forward_calls == 3 && rows[i].backward_calls == 0 && rows[i].backward_ms == 0;
    }
    check(ok_calls, "inference: three forward calls per row, no backward");
    check(ms > 0 && ms <= wall, "the rows' time lies within the calls' wall time");
    check(row_macs == macs, "the rows' multiply-adds add up to senet_net_describe's");
    /* se_resnet20's first block: its convolutions carry their folded BN, the SE its add and ReLU */
    const senet_layer_profile *conv = find(rows, count, "layer1.0.conv1");
    const senet_layer_profile *se = find(rows, count, "layer1.0.se_module");
    check(conv && strncmp(conv->op, "conv 3x3/1 ", 11) == 0 && strstr(conv->op, "+bn+relu") && conv->stage == 1,
          "layer1.0.conv1 is a 3x3 convolution with BN and ReLU");
    check(conv && conv->macs == 32ull * 32 * 16 * 16 * 9, "layer1.0.conv1's multiply-adds: 32*32*16*16*9");
    check(se && strcmp(se->op, "se+add+relu") == 0, "layer1.0.se_module does the add and ReLU");
    check(find(rows, count, "layer1.0.bn1") == NULL, "a folded BN has no row of its own");
    check(find(rows, count, "avgpool") && strcmp(rows[count - 1].op, "linear") == 0, "the head's rows");

    /* Training: the counts start again; BN runs on its own, with its ReLU. */
    check(senet_net_set_profiling(net, 1) == SENET_OK, "profiling restarted");
    float loss;
    check(senet_net_forward_backward(net, x, labels, N, SIZE, SIZE, 0, &loss) == SENET_OK, "profiled training step");
    check(senet_net_profile(net, rows, MAX_ROWS, &count) == SENET_OK, "training rows");
    const senet_layer_profile *bn = find(rows, count, "layer1.0.bn1");
    conv = find(rows, count, "layer1.0.conv1");
    check(bn && strcmp(bn->op, "bn+relu") == 0 && bn->forward_calls == 1 && bn->backward_calls == 1,
          "training: layer1.0.bn1 does its ReLU, forward and backward once");
    check(conv && conv->forward_calls == 1 && conv->backward_calls == 1 && conv->backward_ms > 0 &&
              !strstr(conv->op, "+bn"),
          "training: layer1.0.conv1 alone, forward and backward once");

    /* Off: the rows stay and stop growing. */
    check(senet_net_set_profiling(net, 0) == SENET_OK, "profiling off");
    check(senet_net_forward(net, x, N, SIZE, SIZE, logits) == SENET_OK, "unprofiled forward");
    int after = -1;
    check(senet_net_profile(net, rows, MAX_ROWS, &after) == SENET_OK && after == count, "rows kept when off");
    conv = find(rows, after, "layer1.0.conv1");
    check(conv && conv->forward_calls == 1, "no counting when off");
    senet_net_free(net);
    return report();
}
