/* senet_net_freeze: an inference-only net that keeps its packed weights
 * alone. Its logits are those of the unfrozen net, bit for bit (both run
 * the same packed plan; tests/ref/test_arch_forward.py checks that plan,
 * through `senet forward`, which freezes, against PyTorch); what needs the
 * released weights fails with SENET_ERR_STATE instead of reading zeros; and
 * loading weights makes the net whole again. */
#include "check.h"
#include "senet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The call failed with SENET_ERR_STATE and a message that names freezing. */
static int refused(int status)
{
    return status == SENET_ERR_STATE && strstr(senet_last_error(), "senet_net_freeze") != NULL;
}

enum { N = 3, SIZE = 32, CLASSES = 10 };

int main(void)
{
    char path[] = "/tmp/senet_freeze_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) {
        printf("cannot create a temporary file\n0 passed, 1 failed\n");
        return 1;
    }
    close(fd);
    static float x[N * 3 * SIZE * SIZE], before[N * CLASSES], after[N * CLASSES], again[N * CLASSES];
    for (size_t i = 0; i < sizeof x / sizeof *x; i++)
        x[i] = (float)((i * 7919 % 1000) / 500.0 - 1.0);
    int64_t labels[N] = {1, 4, 9};

    senet_config cfg;
    senet_config_default("se_resnet20", &cfg);
    senet_net *net = NULL;
    check(senet_net_create(&cfg, &net) == SENET_OK && senet_net_init(net, 3) == SENET_OK, "create and init");
    check(senet_net_save(net, path) == SENET_OK, "save before freezing");
    check(senet_net_forward(net, x, N, SIZE, SIZE, before) == SENET_OK, "forward before freezing");

    check(senet_net_freeze(net) == SENET_OK, "freeze");
    check(senet_net_freeze(net) == SENET_OK, "freeze twice");
    check(senet_net_forward(net, x, N, SIZE, SIZE, after) == SENET_OK, "forward when frozen");
    check(memcmp(before, after, sizeof before) == 0, "frozen logits equal the unfrozen ones bit for bit");
    check(senet_net_forward(net, x, 1, SIZE, SIZE, after) == SENET_OK && memcmp(before, after, CLASSES * sizeof(float)) == 0,
          "a frozen net runs another batch size");

    float loss, *params, *grads, *buffers;
    size_t count;
    senet_sgd_options opt = {.lr = 0.1f, .momentum = 0.9f};
    check(refused(senet_net_forward_backward(net, x, labels, N, SIZE, SIZE, 0, &loss)), "training refused when frozen");
    check(refused(senet_sgd_step(net, &opt)), "an SGD step refused when frozen");
    check(refused(senet_net_save(net, path)), "saving refused when frozen");
    check(refused(senet_net_params(net, &params, &grads, &count)), "parameter access refused when frozen");
    check(refused(senet_net_buffers(net, &buffers, &count)), "buffer access refused when frozen");
    check(senet_net_forward(net, x, N, SIZE, SIZE, after) == SENET_OK && memcmp(before, after, sizeof before) == 0,
          "the refusals left the frozen net intact");

    check(senet_net_load(net, path) == SENET_OK, "load into a frozen net");
    check(senet_net_forward(net, x, N, SIZE, SIZE, again) == SENET_OK && memcmp(before, again, sizeof before) == 0,
          "after loading, the logits are those of the saved weights");
    check(senet_net_forward_backward(net, x, labels, N, SIZE, SIZE, 0, &loss) == SENET_OK && senet_sgd_step(net, &opt) == SENET_OK,
          "after loading, the net trains again");
    check(senet_net_init(net, 3) == SENET_OK && senet_net_freeze(net) == SENET_OK && senet_net_init(net, 3) == SENET_OK &&
              senet_net_params(net, &params, &grads, &count) == SENET_OK,
          "init makes a frozen net whole again");

    senet_net_free(net);
    remove(path);
    return report();
}
