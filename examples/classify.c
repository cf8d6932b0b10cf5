/* Classifying photos from a C program with senet's public API only: load a
 * net and its weights, decode each image, make the net's input as
 * `senet classify` does, run the net, softmax. Build it against an
 * installed senet:
 *
 *   cc classify.c $(pkg-config --cflags --libs senet_data) -o classify
 *   ./classify se_resnet20 models/se_resnet20_cifar10.safetensors cat.jpg ship.png
 *
 * For each image it prints the path, then the five most probable classes
 * (index, probability and name), one a line. */
#include <senet.h>
#include <senet_data.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define TOP 5

static int fail(const char *what, int status)
{
    fprintf(stderr, "classify: %s: %s\n", what, *senet_last_error() ? senet_last_error() : senet_strerror(status));
    return 1;
}

/* Prints the TOP largest of probs (k), largest first, with their names
 * (ImageNet's, CIFAR-10's or CIFAR-100's by the number of classes). */
static void print_top(const double *probs, int k)
{
    const char *const *names = senet_class_names(k);
    int shown[TOP];
    for (int t = 0; t < TOP && t < k; t++) {
        int best = -1;
        for (int i = 0; i < k; i++) {
            int taken = 0;
            for (int s = 0; s < t; s++)
                taken |= shown[s] == i;
            if (!taken && (best < 0 || probs[i] > probs[best]))
                best = i;
        }
        shown[t] = best;
        printf("  %d %.6f%s%s\n", best, probs[best], names ? " " : "", names ? names[best] : "");
    }
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: classify ARCH WEIGHTS IMAGE...\n");
        return 2;
    }
    senet_config cfg;
    senet_net *net = NULL;
    senet_transform *transform = NULL;
    int status = senet_config_default(argv[1], &cfg);
    if (status)
        return fail(argv[1], status);
    if ((status = senet_net_create(&cfg, &net)) || (status = senet_net_load(net, argv[2])) ||
        (status = senet_net_freeze(net)))
        return fail(argv[2], status);
    if ((status = senet_transform_for_arch(argv[1], 0, NULL, &transform)))
        return fail("transform", status);

    int side = senet_arch_input_size(argv[1]), k = cfg.num_classes, failures = 0;
    float *input = malloc(sizeof(float) * 3 * side * side); /* (1, 3, side, side) */
    float *logits = malloc(sizeof(float) * k);               /* (1, k) */
    double *probs = malloc(sizeof(double) * k);
    senet_image *img = NULL; /* one buffer, reused for every image */
    if (!input || !logits || !probs)
        return fail("memory", SENET_ERR_NOMEM);
    for (int i = 3; i < argc; i++) {
        if ((status = senet_image_load(argv[i], &img)) ||
            (status = senet_transform_apply(transform, img, 0, input, (size_t)3 * side * side)) ||
            (status = senet_net_forward(net, input, 1, side, side, logits))) {
            fail(argv[i], status);
            failures++;
            continue;
        }
        double max = logits[0], sum = 0;
        for (int c = 1; c < k; c++)
            max = logits[c] > max ? logits[c] : max;
        for (int c = 0; c < k; c++)
            sum += probs[c] = exp(logits[c] - max);
        for (int c = 0; c < k; c++)
            probs[c] /= sum;
        printf("%s\n", argv[i]);
        print_top(probs, k);
    }
    senet_image_free(img);
    senet_transform_free(transform);
    senet_net_free(net);
    free(input);
    free(logits);
    free(probs);
    return failures ? 1 : 0;
}
