/* Every public call of senet.h and senet_data.h, given a NULL handle or a
 * NULL buffer, fails with SENET_ERR_ARGUMENT (or returns what its comment
 * says: NULL, 0, NaN) instead of crashing (issue 19; before,
 * senet_net_forward(NULL, ...) was a segfault). Each pointer argument is
 * tried alone, the others valid, so that no check hides behind another. */
#define _DEFAULT_SOURCE /* mkdtemp */
#include "check.h"
#include "senet.h"
#include "senet_data.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ARG(call) check((call) == SENET_ERR_ARGUMENT, #call)

enum { SIZE = 32, CLASSES = 10 };

static float x[3 * SIZE * SIZE], logits[CLASSES];

static void net_calls(senet_net *net)
{
    senet_config cfg;
    senet_net *out = NULL;
    ARG(senet_config_default("se_resnet20", NULL));
    ARG(senet_config_default(NULL, &cfg));
    check(senet_arch_input_size(NULL) == 0, "senet_arch_input_size(NULL) is 0");
    senet_config_default("se_resnet20", &cfg);
    ARG(senet_net_create(NULL, &out));
    ARG(senet_net_create(&cfg, NULL));
    senet_net_free(NULL);
    check(senet_net_config(NULL) == NULL, "senet_net_config(NULL) is NULL");
    ARG(senet_net_init(NULL, 1));

    ARG(senet_net_load(NULL, "w.safetensors"));
    ARG(senet_net_load(net, NULL));
    ARG(senet_net_save(NULL, "/tmp/never.safetensors"));
    ARG(senet_net_save(net, NULL));
    ARG(senet_net_set_metadata(NULL, "k", "v"));
    ARG(senet_net_set_metadata(net, NULL, "v"));
    senet_model_info model_info;
    size_t length;
    char text[8];
    ARG(senet_model_info_read(NULL, &model_info));
    ARG(senet_model_info_read("w.safetensors", NULL));
    ARG(senet_model_metadata(NULL, "k", text, sizeof text, &length));
    ARG(senet_model_metadata("w.safetensors", NULL, text, sizeof text, &length));
    ARG(senet_model_metadata("w.safetensors", "k", NULL, sizeof text, &length));
    ARG(senet_model_metadata("w.safetensors", "k", text, sizeof text, NULL));

    ARG(senet_net_forward(NULL, x, 1, SIZE, SIZE, logits));
    ARG(senet_net_forward(net, NULL, 1, SIZE, SIZE, logits));
    ARG(senet_net_forward(net, x, 1, SIZE, SIZE, NULL));
    ARG(senet_net_freeze(NULL));

    int64_t label = 1;
    float loss;
    ARG(senet_net_forward_backward(NULL, x, &label, 1, SIZE, SIZE, 0, &loss));
    ARG(senet_net_forward_backward(net, NULL, &label, 1, SIZE, SIZE, 0, &loss));
    ARG(senet_net_forward_backward(net, x, NULL, 1, SIZE, SIZE, 0, &loss));
    ARG(senet_net_forward_backward(net, x, &label, 1, SIZE, SIZE, 0, NULL));
    int n;
    check(senet_net_last_logits(NULL, &n) == NULL, "senet_net_last_logits(NULL, &n) is NULL");
    check(senet_net_forward_backward(net, x, &label, 1, SIZE, SIZE, 0, &loss) == SENET_OK, "a step, for the logits");
    check(senet_net_last_logits(net, NULL) == NULL, "senet_net_last_logits(net, NULL) is NULL");

    float *p, *g;
    size_t count;
    ARG(senet_net_params(NULL, &p, &g, &count));
    ARG(senet_net_params(net, NULL, &g, &count));
    ARG(senet_net_params(net, &p, NULL, &count));
    ARG(senet_net_params(net, &p, &g, NULL));
    ARG(senet_net_buffers(NULL, &p, &count));
    ARG(senet_net_buffers(net, NULL, &count));
    ARG(senet_net_buffers(net, &p, NULL));
    ARG(senet_net_set_replicas(NULL, NULL));

    senet_sgd_options opt = {.lr = 0.1f};
    ARG(senet_sgd_step(NULL, &opt));
    ARG(senet_sgd_step(net, NULL));
    check(isnan(senet_lr_at(NULL, 1.0)), "senet_lr_at(NULL, ...) is NaN");

    senet_checkpoint_info info = {0};
    ARG(senet_checkpoint_save(NULL, "/tmp/never.ckpt", &info));
    ARG(senet_checkpoint_save(net, NULL, &info));
    ARG(senet_checkpoint_save(net, "/tmp/never.ckpt", NULL));
    ARG(senet_checkpoint_load(NULL, "/tmp/never.ckpt", &info));
    ARG(senet_checkpoint_load(net, NULL, &info));
    ARG(senet_checkpoint_load(net, "/tmp/never.ckpt", NULL));

    uint64_t macs;
    int num_stages;
    check(senet_net_num_params(NULL) == 0, "senet_net_num_params(NULL) is 0");
    ARG(senet_net_describe(NULL, SIZE, SIZE, &macs, NULL, &num_stages));
    ARG(senet_net_describe(net, SIZE, SIZE, NULL, NULL, &num_stages));
    check(senet_net_describe(net, SIZE, SIZE, &macs, NULL, NULL) == SENET_OK, "describe: stages and count may be NULL");

    senet_layer_profile row;
    ARG(senet_net_set_profiling(NULL, 1));
    ARG(senet_net_profile(NULL, &row, 1, &n));
    ARG(senet_net_profile(net, NULL, 1, &n));
    ARG(senet_net_profile(net, &row, 1, NULL));
    check(senet_net_profile(net, NULL, 0, &n) == SENET_OK, "profile: rows may be NULL with capacity 0");
    senet_se_block block;
    const float *gates;
    int index;
    check(senet_net_num_se_blocks(NULL) == 0, "num_se_blocks(NULL) is 0");
    ARG(senet_net_se_block(NULL, 0, &block));
    ARG(senet_net_se_block(net, 0, NULL));
    ARG(senet_net_find_se_block(NULL, "layer1.0.se_module", &index));
    ARG(senet_net_find_se_block(net, NULL, &index));
    ARG(senet_net_find_se_block(net, "layer1.0.se_module", NULL));
    ARG(senet_net_set_excitation_capture(NULL, 1));
    ARG(senet_net_excitations(NULL, 0, &gates, &n));
    ARG(senet_net_excitations(net, 0, NULL, &n));
    ARG(senet_net_excitations(net, 0, &gates, NULL));
    ARG(senet_net_set_se_off(NULL, 1));
    ARG(senet_net_freeze_stages(NULL, 1));
    ARG(senet_net_load_backbone(NULL, "w.safetensors"));
    ARG(senet_net_load_backbone(net, NULL));

    check(senet_net_num_tensors(NULL) == 0, "senet_net_num_tensors(NULL) is 0");
    check(senet_net_tensor_name(NULL, 0) == NULL, "senet_net_tensor_name(NULL, 0) is NULL");
    check(senet_strerror(SENET_ERR_ARGUMENT) != NULL && senet_last_error() != NULL, "strerror and last_error");
    check(senet_arch_names() != NULL && senet_net_tensor_name(net, 0) != NULL, "the valid ones still answer");
}

/* A big-endian IDX file: magic (0, 0, 8, ndim), the sizes, the bytes. */
static void write_idx(const char *path, int ndim, const uint32_t *dims, size_t bytes)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return;
    unsigned char head[4] = {0, 0, 8, (unsigned char)ndim};
    fwrite(head, 1, 4, f);
    for (int i = 0; i < ndim; i++) {
        unsigned char d[4] = {dims[i] >> 24, dims[i] >> 16 & 255, dims[i] >> 8 & 255, dims[i] & 255};
        fwrite(d, 1, 4, f);
    }
    for (size_t i = 0; i < bytes; i++)
        fputc((int)(i % 7), f);
    fclose(f);
}

/* The calls that need a real dataset first: two 32x32 IDX images. */
static void dataset_calls(senet_transform *t)
{
    char dir[] = "/tmp/senet_null_XXXXXX", images[64], labels[64];
    if (!mkdtemp(dir)) {
        check(0, "a temporary folder");
        return;
    }
    snprintf(images, sizeof images, "%s/t10k-images-idx3-ubyte", dir);
    snprintf(labels, sizeof labels, "%s/t10k-labels-idx1-ubyte", dir);
    uint32_t idims[3] = {2, SIZE, SIZE}, ldims[1] = {2};
    write_idx(images, 3, idims, 2 * SIZE * SIZE);
    write_idx(labels, 1, ldims, 2);
    senet_dataset *ds = NULL;
    senet_loader *l = NULL;
    int label;
    check(senet_dataset_open(dir, "idx", 0, &ds) == SENET_OK, "a two-image IDX dataset");
    if (ds) {
        ARG(senet_dataset_get(ds, 0, NULL, &label));
        ARG(senet_loader_create(ds, NULL, 1, 0, 0, 0, &l));
        ARG(senet_loader_create(ds, t, 1, 0, 0, 0, NULL));
        check(senet_loader_create(ds, t, 1, 0, 0, 0, &l) == SENET_OK, "a loader");
        senet_batch batch;
        ARG(senet_loader_next(l, NULL));
        check(senet_loader_start_epoch(l, 0, 0) == SENET_OK && senet_loader_next(l, &batch) == SENET_OK && batch.n == 1,
              "the loader still gives a batch");
        senet_loader_free(l);
        ARG(senet_dataset_hold_out(ds, 0.5, 1, 1, NULL)); /* takes ds over, also on failure */
    }
    remove(images);
    remove(labels);
    rmdir(dir);
}

static void data_calls(void)
{
    senet_image *img = NULL;
    senet_transform *t = NULL;
    uint8_t rgb[3 * 4 * 4] = {0};
    ARG(senet_image_load(NULL, &img));
    ARG(senet_image_load("x.png", NULL));
    ARG(senet_image_decode(NULL, 10, "x", &img));
    ARG(senet_image_decode(rgb, sizeof rgb, "x", NULL));
    ARG(senet_image_from_rgb(NULL, 4, 4, 0, &img));
    ARG(senet_image_from_rgb(rgb, 4, 4, 0, NULL));
    senet_image_free(NULL);
    check(senet_image_height(NULL) == 0 && senet_image_width(NULL) == 0 && senet_image_pixels(NULL) == NULL,
          "image accessors of NULL: 0, 0, NULL");

    ARG(senet_transform_create(NULL, 0, NULL, &t));
    ARG(senet_transform_create("cifar-eval", 0, NULL, NULL));
    ARG(senet_transform_for_arch(NULL, 0, NULL, &t));
    ARG(senet_transform_for_arch("se_resnet20", 0, NULL, NULL));
    senet_transform_free(NULL);
    check(senet_transform_create("cifar-eval", 0, NULL, &t) == SENET_OK &&
              senet_image_from_rgb(rgb, 4, 4, 0, &img) == SENET_OK,
          "a transform and an image");
    int h, w;
    ARG(senet_transform_output_size(NULL, img, &h, &w));
    ARG(senet_transform_output_size(t, NULL, &h, &w));
    ARG(senet_transform_output_size(t, img, NULL, &w));
    ARG(senet_transform_output_size(t, img, &h, NULL));
    ARG(senet_transform_apply(NULL, img, 0, x, sizeof x / sizeof *x));
    ARG(senet_transform_apply(t, NULL, 0, x, sizeof x / sizeof *x));
    ARG(senet_transform_apply(t, img, 0, NULL, sizeof x / sizeof *x));
    check(senet_class_names(7) == NULL, "senet_class_names(7) is NULL");

    senet_dataset *ds = NULL;
    senet_loader *l = NULL;
    ARG(senet_dataset_open(NULL, NULL, 0, &ds));
    ARG(senet_dataset_open("/tmp", NULL, 0, NULL));
    senet_dataset_free(NULL);
    check(senet_dataset_format(NULL) == NULL && senet_dataset_count(NULL) == 0 &&
              senet_dataset_num_classes(NULL) == 0 && senet_dataset_class_name(NULL, 0) == NULL,
          "dataset accessors of NULL: NULL, 0, 0, NULL");
    int label;
    ARG(senet_dataset_get(NULL, 0, &img, &label));
    ARG(senet_dataset_hold_out(NULL, 0.1, 1, 1, &ds));
    ARG(senet_loader_create(NULL, t, 1, 0, 0, 0, &l));
    senet_loader_free(NULL);
    check(senet_loader_num_batches(NULL) == 0, "senet_loader_num_batches(NULL) is 0");
    ARG(senet_loader_start_epoch(NULL, 0, 0));
    senet_batch batch;
    ARG(senet_loader_next(NULL, &batch));
    dataset_calls(t);
    senet_image_free(img);
    senet_transform_free(t);
}

int main(void)
{
    senet_config cfg;
    senet_net *net = NULL;
    check(senet_config_default("se_resnet20", &cfg) == SENET_OK && senet_net_create(&cfg, &net) == SENET_OK, "create");
    if (net)
        net_calls(net);
    data_calls();
    senet_net_free(net);
    return report();
}
