/* The excitation API of senet.h: the SE blocks a net lists, capture off by
 * default and refused where there is nothing to capture, every image's
 * gates kept when a large batch runs in several passes (each image's gates
 * those it has when run alone), and --se-off's library side: a stage
 * without SE refused, training refused while a block is off, the logits
 * back when it is on again. tests/ref/test_excite.py checks the values
 * themselves against PyTorch's forward hooks. */
#include "check.h"
#include "senet.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { SIZE = 32, CLASSES = 10, BIG = 400 };

static double max_diff(const float *a, const float *b, size_t n)
{
    double worst = 0;
    for (size_t i = 0; i < n; i++)
        worst = fmax(worst, fabs((double)a[i] - b[i]));
    return worst;
}

int main(void)
{
    senet_config cfg;
    senet_net *net = NULL, *plain = NULL;
    check(senet_config_default("se_resnet20", &cfg) == SENET_OK && senet_net_create(&cfg, &net) == SENET_OK &&
              senet_net_init(net, 1) == SENET_OK,
          "an se_resnet20 is made");
    if (!net)
        return report();
    int blocks = senet_net_num_se_blocks(net);
    check(blocks == 9, "se_resnet20 has 9 SE blocks");
    senet_se_block b;
    check(senet_net_se_block(net, 5, &b) == SENET_OK && strcmp(b.name, "layer2.2.se_module") == 0 && b.stage == 2 &&
              b.block == 2 && b.channels == 32,
          "block 5 is layer2.2.se_module, stage 2, block 2, 32 channels");
    int index = -1;
    check(senet_net_find_se_block(net, "layer3.0.se_module", &index) == SENET_OK && index == 6,
          "layer3.0.se_module is found as block 6");
    check(senet_net_find_se_block(net, "layer3.0.conv1", &index) == SENET_ERR_ARGUMENT, "a name of no SE block is refused");
    check(senet_net_se_block(net, blocks, &b) == SENET_ERR_ARGUMENT, "a block index past the end is refused");

    /* a batch large enough to run in several passes (64 MB of activations a pass) */
    size_t image = (size_t)3 * SIZE * SIZE;
    float *x = malloc(BIG * image * sizeof(float)), *logits = malloc((size_t)BIG * CLASSES * sizeof(float));
    float *alone = malloc((size_t)CLASSES * sizeof(float));
    srand(3);
    for (size_t i = 0; x && i < BIG * image; i++)
        x[i] = (float)rand() / RAND_MAX * 2 - 1;
    const float *gates = NULL;
    int n = 0;
    check(senet_net_forward(net, x, 2, SIZE, SIZE, logits) == SENET_OK, "a forward runs with capture off");
    check(senet_net_excitations(net, 0, &gates, &n) == SENET_ERR_STATE, "capture is off by default");
    check(senet_net_set_excitation_capture(net, 1) == SENET_OK, "capture turns on");
    check(senet_net_excitations(net, 0, &gates, &n) == SENET_ERR_STATE, "no gates before a forward with capture on");
    check(senet_net_forward(net, x, BIG, SIZE, SIZE, logits) == SENET_OK, "a forward of 400 images runs");
    check(senet_net_excitations(net, 8, &gates, &n) == SENET_OK && n == BIG, "the gates of all 400 images are kept");
    float *last = malloc((size_t)BIG * 64 * sizeof(float)), *first = malloc((size_t)BIG * 16 * sizeof(float));
    memcpy(last, gates, (size_t)BIG * 64 * sizeof(float));
    senet_net_excitations(net, 0, &gates, &n);
    memcpy(first, gates, (size_t)BIG * 16 * sizeof(float));
    double worst = 0;
    for (int i = 0; i < BIG; i += 57) { /* images of every pass, each run alone */
        check(senet_net_forward(net, x + i * image, 1, SIZE, SIZE, alone) == SENET_OK, "one image runs");
        senet_net_excitations(net, 8, &gates, &n);
        worst = fmax(worst, max_diff(gates, last + (size_t)i * 64, 64));
        senet_net_excitations(net, 0, &gates, &n);
        worst = fmax(worst, max_diff(gates, first + (size_t)i * 16, 16));
        check(n == 1, "a forward of one image keeps one image's gates");
    }
    check(worst < 1e-5, "each image's gates in the big batch are those it has alone");
    printf("max |gate in batch - gate alone| %.2e\n", worst);
    check(senet_net_set_excitation_capture(net, 0) == SENET_OK &&
              senet_net_excitations(net, 0, &gates, &n) == SENET_ERR_STATE,
          "capture turns off and the gates go");

    /* --se-off */
    float *full = malloc((size_t)2 * CLASSES * sizeof(float)), *off = malloc((size_t)2 * CLASSES * sizeof(float));
    check(senet_net_set_se_off(net, 1u << 3) == SENET_ERR_ARGUMENT, "stage 4, which se_resnet20 lacks, is refused");
    check(senet_net_set_se_off(net, 1u << 4) == SENET_ERR_ARGUMENT, "stage 5 is refused");
    senet_net_forward(net, x, 2, SIZE, SIZE, full);
    check(senet_net_set_se_off(net, 1u << 2) == SENET_OK, "stage 3's SE blocks switch off");
    check(senet_net_forward(net, x, 2, SIZE, SIZE, off) == SENET_OK && max_diff(full, off, 2 * CLASSES) > 1e-4,
          "with stage 3's SE off the logits change");
    senet_net_set_excitation_capture(net, 1);
    senet_net_forward(net, x, 2, SIZE, SIZE, off);
    senet_net_excitations(net, 7, &gates, &n);
    int ones = 1;
    for (int i = 0; i < 2 * 64; i++)
        ones &= gates[i] == 1.0f;
    check(ones, "a block switched off reads gates of 1");
    int64_t labels[2] = {0, 1};
    float loss;
    check(senet_net_forward_backward(net, x, labels, 2, SIZE, SIZE, 0, &loss) == SENET_ERR_STATE,
          "training refuses to run with SE blocks off");
    check(senet_net_set_se_off(net, 0) == SENET_OK && senet_net_forward(net, x, 2, SIZE, SIZE, off) == SENET_OK &&
              max_diff(full, off, 2 * CLASSES) == 0,
          "switched on again, the logits are back bit for bit");

    check(senet_config_default("resnet20", &cfg) == SENET_OK && senet_net_create(&cfg, &plain) == SENET_OK,
          "a resnet20 is made");
    check(senet_net_num_se_blocks(plain) == 0, "resnet20 has no SE blocks");
    check(senet_net_set_excitation_capture(plain, 1) == SENET_ERR_STATE, "capture on a net without SE is refused");
    check(senet_net_set_se_off(plain, 1) == SENET_ERR_ARGUMENT, "--se-off on a net without SE is refused");

    free(x);
    free(logits);
    free(alone);
    free(last);
    free(first);
    free(full);
    free(off);
    senet_net_free(net);
    senet_net_free(plain);
    return report();
}
