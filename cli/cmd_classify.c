/* senet classify: the top K classes of each image, with names and
 * probabilities. Each image is decoded (JPEG or PNG), preprocessed as its
 * net expects (ImageNet nets: short side to 256, centre crop 224, ImageNet
 * normalisation; CIFAR nets: 32x32, CIFAR normalisation), run in eval mode
 * and softmaxed. Without --weights the default model is used, the
 * se_resnet20 that senet trained on CIFAR-10. An image that cannot be read
 * is reported and skipped; the others are still classified, and the exit
 * status is 1 at the end. */
#include "args.h"
#include "base/status.h"
#include "class_names.h"
#include "commands.h"
#include "default_model.h"
#include "image_list.h"
#include "io/json.h"
#include "model_file.h"
#include "ops/softmax.h"
#include "senet_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] = "[--arch A --weights W] [--top K] [--labels FILE] [--json] IMAGE|FOLDER...";

/* Splits argv[2..) into options (with their values) and image paths, so that
 * the shared option parser sees only options. An option that takes a value
 * keeps the next argument; after "--" everything is an image. */
static void split_arguments(int argc, char **argv, const option_spec *specs, int num_specs, char **opts,
                            int *num_opts, char **images, int *num_images)
{
    *num_opts = *num_images = 0;
    int only_images = 0;
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        if (only_images || strncmp(arg, "-", 1) != 0 || strcmp(arg, "-") == 0) {
            images[(*num_images)++] = argv[i];
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            only_images = 1;
            continue;
        }
        opts[(*num_opts)++] = argv[i];
        if (strncmp(arg, "--", 2) != 0 || strchr(arg, '='))
            continue;
        for (int j = 0; j < num_specs; j++)
            if (strcmp(arg + 2, specs[j].name) == 0) {
                if (specs[j].kind != OPT_FLAG && i + 1 < argc)
                    opts[(*num_opts)++] = argv[++i];
                break;
            }
    }
}

static void json_double(json_buf *b, double v)
{
    char text[32];
    snprintf(text, sizeof text, "%.6g", v);
    json_buf_puts(b, text);
}

static void json_str(json_buf *b, const char *s)
{
    json_buf_string(b, s, strlen(s));
}

typedef struct classifier {
    senet_net *net;
    int classes;
    senet_transform *transform; /* the net's evaluation input, as senet_transform_for_arch makes it */
    senet_image *img;         /* the image being classified, its buffer reused */
    int size;                 /* the net's input side */
    float *input;             /* (1, 3, size, size) */
    float *logits;            /* (classes) */
    double *probs;            /* (classes) */
} classifier;

/* Classifies one image into c->probs. Returns 0, or -1 with the message
 * (naming the image) in msg. */
static int classify_image(classifier *c, const char *path, char *msg, size_t msg_size)
{
    int status = senet_image_load(path, &c->img);
    if (status) {
        /* the decoder's messages begin with the file name */
        snprintf(msg, msg_size, "%s", *senet_last_error() ? senet_last_error() : senet_strerror(status));
        return -1;
    }
    status = senet_transform_apply(c->transform, c->img, 0, c->input, (size_t)3 * c->size * c->size);
    if (!status)
        status = senet_net_forward(c->net, c->input, 1, c->size, c->size, c->logits);
    if (status) {
        snprintf(msg, msg_size, "%s: %s", path, *senet_last_error() ? senet_last_error() : senet_strerror(status));
        return -1;
    }
    softmax_probs(c->logits, c->classes, c->probs);
    return 0;
}

int cmd_classify(int argc, char **argv)
{
    net_options net = {0};
    const char *weights = NULL, *labels = NULL, *normalize = NULL;
    long top = 5, threads = 0;
    input_size size = {0, 0};
    int json = 0, recursive = 0;
    option_spec specs[] = {
        NET_OPTION_SPECS(&net),
        {"weights", OPT_STRING, &weights, "weights (.safetensors); default: " DEFAULT_MODEL_FILE " (" DEFAULT_MODEL_ARCH ")", "W"},
        {"top", OPT_INT, &top, "classes to print per image (5)", "K", OPT_AT_LEAST(1)},
        {"labels", OPT_STRING, &labels,
         "class names, one per line (default: ImageNet for 1000 classes, CIFAR-100 for 100, CIFAR-10 for 10)", "FILE"},
        {"normalize", OPT_STRING, &normalize, "imagenet | caffe | cifar | mnist | unit (default: by the net)", "N",
         OPT_NORMALIZE_CHOICES},
        {"input-size", OPT_SIZE, &size, "input side, S (default: the net's, 224 ImageNet, 32 CIFAR)", "S"},
        {"json", OPT_FLAG, &json, "print one JSON object", NULL},
        {"recursive", OPT_FLAG, &recursive, "a folder stands for the images in its subfolders too", NULL},
        {"threads", OPT_INT, &threads, "threads (default: all cores)", "T", OPT_THREADS},
    };
    const int num_specs = sizeof specs / sizeof *specs;
    char **opts = malloc((size_t)argc * sizeof *opts), **images = malloc((size_t)argc * sizeof *images);
    if (!opts || !images) {
        free(opts);
        free(images);
        fprintf(stderr, "senet classify: out of memory\n");
        return 1;
    }
    int num_opts, num_images;
    split_arguments(argc, argv, specs, num_specs, opts, &num_opts, images, &num_images);
    int rc = parse_options("classify", usage_text, specs, num_specs, num_opts, opts, 0);
    free(opts);
    if (rc) {
        if (rc > 0)
            printf("\nImages are JPEG or PNG files; a folder stands for the .jpg, .jpeg and .png files in it\n"
                   "(and in its subfolders with --recursive).\n"
                   "Without --weights the default model is used:\n"
                   "%s (%s trained on CIFAR-10), in the current directory or beside the build one.\n",
                   DEFAULT_MODEL_FILE, DEFAULT_MODEL_ARCH);
        free(images);
        return rc > 0 ? 0 : 2;
    }
    int status = 2;
    senet_net *model = NULL;
    class_names names = {0};
    classifier c = {0};
    char default_path[4096];
    image_list list = {0};
    int unreadable = 0; /* folders that could not be read or held no images */
    for (int i = 0; i < num_images; i++)
        unreadable += image_list_add(&list, "classify", images[i], recursive) != 0;
    if (num_images == 0) {
        fprintf(stderr, "senet classify: no image given (usage: senet classify %s)\n", usage_text);
        goto done;
    }
    int side;
    if (input_size_side("classify", &size, &side))
        goto done;
    if (default_model_fill("classify", &weights, default_path, sizeof default_path))
        goto done;
    senet_config cfg;
    senet_model_info info;
    const char *norm;
    int rc_model = model_config("classify", &net, weights, 0, &cfg, &info);
    if (rc_model) {
        status = rc_model;
        goto done;
    }
    if (apply_threads("classify", threads) || model_normalize("classify", weights, &info, normalize, &norm))
        goto done;
    /* the file's input size unless asked for another (a net runs at any size from 32) */
    c.size = side ? side : info.input_h ? info.input_h : senet_arch_input_size(cfg.arch);
    int made = senet_transform_for_arch(cfg.arch, c.size, norm, &c.transform);
    if (made) {
        cli_error("classify", "", made);
        goto done;
    }
    status = model_class_names("classify", weights, &info, labels, cfg.num_classes, &names);
    if (status)
        goto done;
    status = 1;
    model = open_frozen_net("classify", &cfg, weights);
    if (!model)
        goto done;
    c.net = model;
    c.classes = cfg.num_classes;
    c.input = malloc((size_t)3 * c.size * c.size * sizeof *c.input);
    c.logits = malloc((size_t)c.classes * sizeof *c.logits);
    c.probs = malloc((size_t)c.classes * sizeof *c.probs);
    int k = top < c.classes ? (int)top : c.classes;
    int *best = malloc((size_t)k * sizeof *best);
    if (!c.input || !c.logits || !c.probs || !best) {
        free(best);
        fprintf(stderr, "senet classify: out of memory\n");
        goto done;
    }

    json_buf out = {0};
    if (json) {
        json_buf_puts(&out, "{\"arch\": ");
        json_str(&out, cfg.arch);
        json_buf_puts(&out, ", \"weights\": ");
        json_str(&out, weights);
        json_buf_puts(&out, ", \"num_classes\": ");
        json_buf_int(&out, c.classes);
        json_buf_puts(&out, ", \"input_size\": ");
        json_buf_int(&out, c.size);
        json_buf_puts(&out, ", \"images\": [");
    }
    int failures = unreadable;
    char msg[1024], buf[32];
    for (int i = 0; i < list.count; i++) {
        const char *path = list.paths[i];
        int ok = classify_image(&c, path, msg, sizeof msg) == 0;
        if (!ok) {
            fprintf(stderr, "senet classify: %s\n", msg);
            failures++;
        } else {
            top_k_indices(c.probs, c.classes, k, best);
        }
        if (json) {
            json_buf_puts(&out, i ? ", {\"path\": " : "{\"path\": ");
            json_str(&out, path);
            if (!ok) {
                json_buf_puts(&out, ", \"error\": ");
                json_str(&out, msg);
                json_buf_puts(&out, "}");
                continue;
            }
            json_buf_puts(&out, ", \"top\": [");
            for (int t = 0; t < k; t++) {
                json_buf_puts(&out, t ? ", {\"class\": " : "{\"class\": ");
                json_buf_int(&out, best[t]);
                json_buf_puts(&out, ", \"name\": ");
                json_str(&out, class_name(&names, best[t], buf, sizeof buf));
                json_buf_puts(&out, ", \"probability\": ");
                json_double(&out, c.probs[best[t]]);
                json_buf_puts(&out, "}");
            }
            json_buf_puts(&out, "]}");
        } else if (ok) {
            printf("%s\n", path);
            for (int t = 0; t < k; t++)
                printf("  %.4f  %s\n", c.probs[best[t]], class_name(&names, best[t], buf, sizeof buf));
            fflush(stdout);
        }
    }
    if (json) {
        json_buf_puts(&out, "]}\n");
        if (json_buf_failed(&out)) {
            fprintf(stderr, "senet classify: out of memory\n");
            failures++;
        } else {
            fwrite(out.data, 1, out.length, stdout);
        }
        json_buf_free(&out);
    }
    free(best);
    status = failures ? 1 : 0;
    if (failures && list.count + unreadable > 1)
        fprintf(stderr, "senet classify: %d of %d images could not be classified\n", failures,
                list.count + unreadable);
done:
    senet_image_free(c.img);
    senet_transform_free(c.transform);
    free(c.input);
    free(c.logits);
    free(c.probs);
    senet_net_free(model);
    class_names_free(&names);
    image_list_free(&list);
    free(images);
    return status;
}
