/* Training an SE-ResNet-20 from a C program with senet's public API only:
 * a dataset read and augmented on a background thread, forward and
 * backward, SGD with a cosine learning rate, an evaluation after every
 * epoch, the weights saved as safetensors. It is the recipe of
 *
 *   senet train --arch se_resnet20 --data DATA --epochs E --batch 50 --lr 0.05 --schedule cosine \
 *     --momentum 0.9 --nesterov --weight-decay 5e-4 --no-decay-bn-bias --seed 0 --threads 1
 *
 * and ends with the same weights, bit for bit. Build it against an
 * installed senet:
 *
 *   cc train.c $(pkg-config --cflags --libs senet_data) -o train
 *   ./train DATA EPOCHS OUT.safetensors      (DATA: CIFAR files or a folder of 32x32 images)
 */
#include <senet.h>
#include <senet_data.h>

#include <stdio.h>
#include <stdlib.h>

#define BATCH 50
#define SEED 0

static int fail(const char *what, int status)
{
    fprintf(stderr, "train: %s: %s\n", what, *senet_last_error() ? senet_last_error() : senet_strerror(status));
    return 1;
}

/* Top-1 accuracy (percent) of NET on the batches of TEST. */
static int evaluate(senet_net *net, senet_loader *test, int classes, float *logits, double *top1)
{
    int status = senet_loader_start_epoch(test, 0, 0);
    long hits = 0, seen = 0;
    senet_batch b;
    while (!status && !(status = senet_loader_next(test, &b)) && !b.end) {
        if ((status = senet_net_forward(net, b.images, b.n, b.h, b.w, logits)))
            break;
        for (int i = 0; i < b.n; i++) {
            int best = 0;
            for (int k = 1; k < classes; k++)
                best = logits[i * classes + k] > logits[i * classes + best] ? k : best;
            hits += best == b.labels[i];
        }
        seen += b.n;
    }
    *top1 = seen ? 100.0 * hits / seen : 0;
    return status;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: train DATA EPOCHS OUT.safetensors\n");
        return 2;
    }
    const char *data = argv[1], *out = argv[3];
    int epochs = atoi(argv[2]), status;
    senet_dataset *train_set = NULL, *test_set = NULL;
    senet_transform *augment = NULL, *as_is = NULL;
    senet_loader *train = NULL, *test = NULL;
    senet_net *net = NULL;
    senet_config cfg;
    senet_set_threads(1); /* with the seed, makes the run bit-reproducible */
    if ((status = senet_dataset_open(data, NULL, 1, &train_set)) || (status = senet_dataset_open(data, NULL, 0, &test_set)))
        return fail(data, status);
    /* CIFAR augmentation (pad 4, random 32x32 crop, flip) to train; the images as they are to test */
    if ((status = senet_transform_create("cifar-train", 32, NULL, &augment)) ||
        (status = senet_transform_create("cifar-eval", 32, NULL, &as_is)) ||
        (status = senet_loader_create(train_set, augment, BATCH, SEED, 1, 0, &train)) ||
        (status = senet_loader_create(test_set, as_is, 200, SEED, 0, 0, &test)))
        return fail("data", status);
    senet_config_default("se_resnet20", &cfg);
    cfg.num_classes = senet_dataset_num_classes(train_set);
    if ((status = senet_net_create(&cfg, &net)) || (status = senet_net_init(net, SEED)))
        return fail("net", status);

    senet_lr_schedule schedule = {.kind = SENET_LR_COSINE, .base_lr = 0.05, .total_epochs = epochs};
    senet_sgd_options sgd = {.momentum = 0.9f, .weight_decay = 5e-4f, .nesterov = 1, .no_decay_1d = 1};
    float *logits = malloc(sizeof(float) * 200 * cfg.num_classes); /* (200, classes) */
    int64_t batches = senet_loader_num_batches(train);
    for (int epoch = 0; epoch < epochs && !status; epoch++) {
        double loss_sum = 0, top1 = 0;
        long seen = 0;
        senet_batch b;
        status = senet_loader_start_epoch(train, epoch, 0);
        while (!status && !(status = senet_loader_next(train, &b)) && !b.end) {
            float loss;
            sgd.lr = (float)senet_lr_at(&schedule, epoch + (double)b.index / batches);
            if ((status = senet_net_forward_backward(net, b.images, b.labels, b.n, b.h, b.w, 0.0f, &loss)) ||
                (status = senet_sgd_step(net, &sgd)))
                break;
            loss_sum += (double)loss * b.n;
            seen += b.n;
        }
        if (!status && !(status = evaluate(net, test, cfg.num_classes, logits, &top1)))
            printf("epoch %d: train loss %.4f, test top-1 %.2f%%\n", epoch + 1, loss_sum / seen, top1);
    }
    if (!status)
        status = senet_net_save(net, out);
    if (status)
        fail(out, status);
    free(logits);
    senet_net_free(net);
    senet_loader_free(train);
    senet_loader_free(test);
    senet_transform_free(augment);
    senet_transform_free(as_is);
    senet_dataset_free(train_set);
    senet_dataset_free(test_set);
    return status ? 1 : 0;
}
