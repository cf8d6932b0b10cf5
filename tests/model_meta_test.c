/* Self-describing model files (issue 20) through the public API: what
 * senet_net_save writes into "__metadata__", senet_model_info_read and
 * senet_model_metadata reading it back, entries attached with
 * senet_net_set_metadata (and taken over by a load), and an input value
 * that is NaN or infinite refused with its position, the net unchanged. */
#define _DEFAULT_SOURCE /* mkdtemp */
#include "check.h"
#include "senet.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { SIZE = 32, CLASSES = 3 };

static int text_is(const char *path, const char *key, const char *want)
{
    char buf[256];
    size_t length;
    return senet_model_metadata(path, key, buf, sizeof buf, &length) == SENET_OK && strcmp(buf, want) == 0 &&
           length == strlen(want);
}

int main(void)
{
    char dir[] = "/tmp/senet_meta_XXXXXX", path[256], other[256];
    if (!mkdtemp(dir))
        return 1;
    snprintf(path, sizeof path, "%s/w.safetensors", dir);
    snprintf(other, sizeof other, "%s/v.safetensors", dir);
    senet_config cfg;
    senet_config_default("se_resnet20", &cfg);
    cfg.num_classes = CLASSES;
    cfg.se.reduction = 8;
    cfg.se.gate = SENET_GATE_TANH;
    cfg.se.stages = 0x6;
    senet_net *net = NULL;
    check(senet_net_create(&cfg, &net) == SENET_OK, "create");

    /* attaching: reserved keys refused, NULL removes */
    check(senet_net_set_metadata(net, "arch", "resnet20") == SENET_ERR_ARGUMENT, "the key arch is the configuration's");
    check(senet_net_set_metadata(net, "", "x") == SENET_ERR_ARGUMENT, "an empty key is refused");
    check(senet_net_set_metadata(NULL, "k", "v") == SENET_ERR_ARGUMENT, "NULL net");
    check(senet_net_set_metadata(net, NULL, "v") == SENET_ERR_ARGUMENT, "NULL key");
    check(senet_net_set_metadata(net, "class_names", "cat\ndog\nbird") == SENET_OK, "class_names");
    check(senet_net_set_metadata(net, "input_size", "40x48") == SENET_OK, "input_size");
    check(senet_net_set_metadata(net, "temporary", "x") == SENET_OK, "attach");
    check(senet_net_set_metadata(net, "temporary", NULL) == SENET_OK, "remove");
    check(senet_net_set_metadata(net, "normalize", "imagenet") == SENET_OK, "normalize");
    check(senet_net_save(net, path) == SENET_OK, "save");

    senet_model_info info;
    check(senet_model_info_read(path, &info) == SENET_OK, "info_read");
    check(info.has_config && strcmp(info.config.arch, "se_resnet20") == 0, "the file says its architecture");
    check(info.config.num_classes == CLASSES && info.classifier_outputs == CLASSES, "and its classes");
    check(info.config.se.reduction == 8 && info.config.se.gate == SENET_GATE_TANH && info.config.se.stages == 0x6 &&
              info.config.se.squeeze == SENET_SQUEEZE_AVG && info.config.se.bias == 1,
          "and its SE options");
    check(info.input_h == 40 && info.input_w == 48 && strcmp(info.normalize, "imagenet") == 0 &&
              info.num_class_names == 3 && !info.is_checkpoint,
          "input size, normalisation and class names");
    check(text_is(path, "se_stages", "2,3") && text_is(path, "se_gate", "tanh") &&
              text_is(path, "senet_version", SENET_VERSION),
          "values in the CLI's spelling");
    size_t length = 99;
    check(senet_model_metadata(path, "temporary", NULL, 0, &length) == SENET_ERR_ARGUMENT && length == 0,
          "a removed entry is not written");
    check(senet_model_metadata(path, "class_names", NULL, 0, &length) == SENET_OK && length == 12,
          "size 0 asks for the length");
    char small[4];
    check(senet_model_metadata(path, "class_names", small, sizeof small, &length) == SENET_ERR_NOMEM,
          "a buffer too small is SENET_ERR_NOMEM");
    check(senet_model_info_read(NULL, &info) == SENET_ERR_ARGUMENT && senet_model_info_read(path, NULL) ==
              SENET_ERR_ARGUMENT, "info_read NULLs");
    check(senet_model_metadata(NULL, "k", NULL, 0, &length) == SENET_ERR_ARGUMENT &&
              senet_model_metadata(path, NULL, NULL, 0, &length) == SENET_ERR_ARGUMENT &&
              senet_model_metadata(path, "k", NULL, 0, NULL) == SENET_ERR_ARGUMENT &&
              senet_model_metadata(path, "k", NULL, 4, &length) == SENET_ERR_ARGUMENT,
          "metadata NULLs");

    /* a load takes over the file's entries, so load + save keeps them */
    senet_net *copy = NULL;
    check(senet_net_create(&cfg, &copy) == SENET_OK, "create the copy");
    check(senet_net_load(copy, path) == SENET_OK && senet_net_save(copy, other) == SENET_OK, "load and save");
    check(text_is(other, "class_names", "cat\ndog\nbird") && text_is(other, "input_size", "40x48"),
          "the entries come with the weights");

    /* checkpoints say what they are */
    senet_checkpoint_info ck = {1, 2, 0, 0, "note"};
    check(senet_checkpoint_save(net, other, &ck) == SENET_OK && senet_model_info_read(other, &info) == SENET_OK &&
              info.is_checkpoint && info.has_config && info.num_class_names == 3,
          "a checkpoint describes itself too");

    /* NaN and infinity in the input: refused with the position, the net unchanged */
    static float x[2 * 3 * SIZE * SIZE], logits[2 * CLASSES], before[2 * CLASSES];
    for (size_t i = 0; i < sizeof x / sizeof *x; i++)
        x[i] = (float)((i * 7919) % 255) / 255.0f - 0.5f;
    check(senet_net_forward(net, x, 2, SIZE, SIZE, before) == SENET_OK, "a finite batch runs");
    x[3 * SIZE * SIZE + 2 * SIZE * SIZE + 5 * SIZE + 7] = NAN;
    check(senet_net_forward(net, x, 2, SIZE, SIZE, logits) == SENET_ERR_ARGUMENT, "a NaN input is refused");
    check(strstr(senet_last_error(), "image 1, channel 2, row 5, column 7") != NULL, "naming its position");
    x[3 * SIZE * SIZE + 2 * SIZE * SIZE + 5 * SIZE + 7] = 0.25f;
    x[11] = INFINITY;
    int64_t labels[2] = {0, 1};
    float loss = 0;
    check(senet_net_forward_backward(net, x, labels, 2, SIZE, SIZE, 0, &loss) == SENET_ERR_ARGUMENT &&
              strstr(senet_last_error(), "image 0, channel 0, row 0, column 11"),
          "training refuses an infinite input");
    x[11] = 0;
    for (size_t i = 0; i < sizeof x / sizeof *x; i++)
        x[i] = (float)((i * 7919) % 255) / 255.0f - 0.5f;
    check(senet_net_forward(net, x, 2, SIZE, SIZE, logits) == SENET_OK &&
              memcmp(logits, before, sizeof logits) == 0,
          "the refused calls changed nothing");

    senet_net_free(copy);
    senet_net_free(net);
    remove(path);
    remove(other);
    rmdir(dir);
    return report();
}
