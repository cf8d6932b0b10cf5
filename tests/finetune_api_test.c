/* The fine-tuning calls of senet.h: senet_net_freeze_stages takes a leading
 * run of stages only and refuses others with the net unchanged; a frozen
 * stem's parameters and BN statistics stay put through training steps while
 * the rest move; senet_net_load_backbone takes a file of another class
 * count and keeps the net's classifier, and refuses a file of another
 * architecture with the net as it was. tests/ref/test_step.py checks the
 * steps' values against PyTorch (requires_grad_(False) and eval() on the
 * frozen stages, the classifier as a parameter group of its own).
 *
 * The flat buffers follow the state dict: se_resnet20's stem (layer0.conv1
 * 16x3x3x3, layer0.bn1 16 + 16) is the first 464 parameters and its BN
 * statistics the first 32 buffers; the classifier (last_linear 10x64 + 10)
 * the last parameters. */
#include "check.h"
#include "senet.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { SIZE = 32, BATCH = 4, STEM_PARAMS = 432 + 32, STEM_BUFFERS = 32, WIDTH = 64 };

static senet_net *make(const char *arch, int classes, uint64_t seed)
{
    senet_config cfg;
    senet_net *net = NULL;
    if (senet_config_default(arch, &cfg) != SENET_OK)
        return NULL;
    cfg.num_classes = classes;
    if (senet_net_create(&cfg, &net) != SENET_OK || senet_net_init(net, seed) != SENET_OK) {
        senet_net_free(net);
        return NULL;
    }
    return net;
}

static int same(const float *a, const float *b, size_t n) { return memcmp(a, b, n * sizeof(float)) == 0; }

/* A copy of the flat parameters (params) and BN statistics (buffers). */
typedef struct state { float *p, *b; size_t np, nb; } state;

static int take(senet_net *net, state *s)
{
    float *p, *g, *b;
    if (senet_net_params(net, &p, &g, &s->np) || senet_net_buffers(net, &b, &s->nb))
        return -1;
    s->p = malloc(s->np * sizeof(float));
    s->b = malloc(s->nb * sizeof(float));
    if (!s->p || !s->b)
        return -1;
    memcpy(s->p, p, s->np * sizeof(float));
    memcpy(s->b, b, s->nb * sizeof(float));
    return 0;
}

static void drop(state *s) { free(s->p), free(s->b); }

static int train_step(senet_net *net, const float *x, const int64_t *y)
{
    senet_sgd_options sgd = {.lr = 0.05f, .momentum = 0.9f, .weight_decay = 1e-3f};
    float loss;
    return senet_net_forward_backward(net, x, y, BATCH, SIZE, SIZE, 0, &loss) || senet_sgd_step(net, &sgd);
}

/* After a step: did the stem stay (1) or move (0), and did the rest move? */
static void step_and_look(senet_net *net, const float *x, const int64_t *y, int *stem_still, int *rest_moved)
{
    state before, after;
    *stem_still = *rest_moved = 0;
    if (take(net, &before) || train_step(net, x, y) || take(net, &after))
        return;
    *stem_still = same(before.p, after.p, STEM_PARAMS) && same(before.b, after.b, STEM_BUFFERS);
    *rest_moved = !same(before.p + STEM_PARAMS, after.p + STEM_PARAMS, before.np - STEM_PARAMS) &&
                  !same(before.b + STEM_BUFFERS, after.b + STEM_BUFFERS, before.nb - STEM_BUFFERS);
    drop(&before), drop(&after);
}

static void freezing(const float *x, const int64_t *y)
{
    senet_net *net = make("se_resnet20", 10, 3);
    if (!net)
        return check(0, "an se_resnet20");
    check(senet_net_freeze_stages(net, 0x1) == SENET_OK, "the stem can be frozen");
    int still, moved;
    step_and_look(net, x, y, &still, &moved);
    check(still && moved, "a step leaves the frozen stem (weights and BN statistics) and moves the rest");
    check(senet_net_freeze_stages(net, 0x2) == SENET_ERR_ARGUMENT, "layer1 alone is not a leading run: refused");
    check(senet_net_freeze_stages(net, 0x5) == SENET_ERR_ARGUMENT, "stem and layer2 without layer1: refused");
    check(senet_net_freeze_stages(net, 0x1F) == SENET_ERR_ARGUMENT, "se_resnet20 has no layer4: refused");
    step_and_look(net, x, y, &still, &moved);
    check(still && moved, "after the refusals the stem is still frozen, the rest still trains");
    check(senet_net_freeze_stages(net, 0xF) == SENET_OK, "every stage can be frozen (the classifier trains)");
    state before, after;
    if (!take(net, &before) && !train_step(net, x, y) && !take(net, &after)) {
        size_t head = 10 * WIDTH + 10;
        check(same(before.p, after.p, before.np - head) && same(before.b, after.b, before.nb) &&
                  !same(before.p + before.np - head, after.p + after.np - head, head),
              "with every stage frozen only the classifier moves");
        drop(&after);
    } else {
        check(0, "a step with every stage frozen");
    }
    drop(&before);
    check(senet_net_freeze_stages(net, 0) == SENET_OK, "0 unfreezes");
    step_and_look(net, x, y, &still, &moved);
    check(!still && moved, "unfrozen, the stem trains again");
    senet_net_free(net);
}

static void backbone(const char *path)
{
    senet_net *ten = make("se_resnet20", 10, 1), *two = make("se_resnet20", 2, 2), *plain = make("resnet20", 2, 4);
    if (!ten || !two || !plain) {
        check(0, "the nets");
        goto done;
    }
    check(senet_net_save(ten, path) == SENET_OK, "a 10-class file");
    state t, before, after;
    if (take(ten, &t) || take(two, &before))
        goto done;
    size_t head2 = 2 * WIDTH + 2, head10 = 10 * WIDTH + 10;
    check(senet_net_load(two, path) == SENET_ERR_SHAPE, "a strict load of 10 classes into 2 is refused");
    check(senet_net_load_backbone(two, path) == SENET_OK, "the backbone of a 10-class file loads into 2 classes");
    if (!take(two, &after)) {
        check(after.np - head2 == t.np - head10 && same(after.p, t.p, t.np - head10) && same(after.b, t.b, t.nb),
              "every parameter but the classifier, and every BN statistic, is the file's");
        check(same(after.p + after.np - head2, before.p + before.np - head2, head2),
              "the classifier is the net's own");
        drop(&after);
    }
    state p0, p1;
    if (!take(plain, &p0)) {
        check(senet_net_load_backbone(plain, path) == SENET_ERR_SHAPE, "an SE file into resnet20 is refused");
        if (!take(plain, &p1)) {
            check(same(p0.p, p1.p, p0.np) && same(p0.b, p1.b, p0.nb), "the refused net is as it was");
            drop(&p1);
        }
        drop(&p0);
    }
    check(senet_net_load_backbone(two, "/nonexistent/w.safetensors") != SENET_OK, "a missing file is an error");
    drop(&t), drop(&before);
done:
    senet_net_free(ten), senet_net_free(two), senet_net_free(plain);
}

int main(void)
{
    float *x = malloc((size_t)BATCH * 3 * SIZE * SIZE * sizeof(float));
    int64_t y[BATCH] = {0, 1, 2, 3};
    if (!x)
        return 1;
    for (size_t i = 0; i < (size_t)BATCH * 3 * SIZE * SIZE; i++)
        x[i] = (float)sin(0.37 * (double)i);
    freezing(x, y);
    char path[64];
    snprintf(path, sizeof path, "/tmp/senet_finetune_%d.safetensors", (int)getpid());
    backbone(path);
    unlink(path);
    free(x);
    return report();
}
