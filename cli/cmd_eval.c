/* senet eval: loss, top-1, top-5, per-class accuracy and a confusion matrix
 * of a net on the test split of a dataset. */
#include "args.h"
#include "commands.h"
#include "data_setup.h"
#include "default_model.h"
#include "dist/dist.h"
#include "evaluate.h"
#include "model_file.h"
#include "parallel.h"
#include "plot_file.h"
#include "predictions.h"

#include <stdio.h>
#include <string.h>

static void print_text(const dataset *ds, const eval_result *r)
{
    char images[32];
    printf("%s: loss %.4f, top-1 %.2f%%, top-5 %.2f%%\n", plural(images, sizeof images, r->n, "image"), r->loss,
           r->top1, r->top5);
    printf("\n%-16s %8s %8s\n", "class", "images", "top-1");
    for (int c = 0; c < r->classes; c++)
        if (r->per_class_total[c])
            printf("%-16s %8lld %7.2f%%\n", dataset_class_name(ds, c), (long long)r->per_class_total[c],
                   100.0 * r->per_class_correct[c] / r->per_class_total[c]);
    if (!r->confusion || r->classes > 20)
        return;
    printf("\nconfusion (rows: truth, columns: prediction)\n%-12s", "");
    for (int c = 0; c < r->classes; c++)
        printf(" %6.6s", dataset_class_name(ds, c));
    printf("\n");
    for (int t = 0; t < r->classes; t++) {
        printf("%-12.12s", dataset_class_name(ds, t));
        for (int p = 0; p < r->classes; p++)
            printf(" %6lld", (long long)r->confusion[t * r->classes + p]);
        printf("\n");
    }
}

static void print_json(const dataset *ds, const eval_result *r)
{
    printf("{\"n\": %lld, \"loss\": %.6f, \"top1\": %.4f, \"top5\": %.4f, \"per_class\": {", (long long)r->n, r->loss,
           r->top1, r->top5);
    for (int c = 0; c < r->classes; c++)
        printf("%s\"%s\": %.4f", c ? ", " : "", dataset_class_name(ds, c),
               r->per_class_total[c] ? 100.0 * r->per_class_correct[c] / r->per_class_total[c] : 0.0);
    printf("}");
    if (r->confusion) {
        printf(", \"confusion\": [");
        for (int t = 0; t < r->classes; t++) {
            printf("%s[", t ? ", " : "");
            for (int p = 0; p < r->classes; p++)
                printf("%s%lld", p ? ", " : "", (long long)r->confusion[t * r->classes + p]);
            printf("]");
        }
        printf("]");
    }
    printf("}\n");
}

int cmd_eval(int argc, char **argv)
{
    net_options net = {0};
    data_choice data = {0};
    const char *weights = NULL, *se_off = NULL, *predictions_path = NULL;
    long batch = 100, threads = 0, seed = 0;
    input_size size = {0, 0};
    int json = 0, train_split = 0;
    option_spec specs[] = {
        NET_OPTION_SPECS(&net),
        {"weights", OPT_STRING, &weights, "weights (default: the bundled se_resnet20 CIFAR-10 model)", "W"},
        DATA_OPTION_SPECS(&data),
        {"input-size", OPT_SIZE, &size, "evaluate at this size, S (default: the data's or the net's)", "S"},
        {"augment", OPT_STRING, &data.augment,
         "the pipeline trained with: cifar (images as they are) | imagenet (resize, centre crop); default: by size",
         "A", DATA_AUGMENT_CHOICES},
        {"train-split", OPT_FLAG, &train_split,
         "evaluate on the training split instead of the test split (with --val-split: the part kept)", NULL},
        {"val-split", OPT_FLOAT, &data.val_split,
         "evaluate on the training images that 'senet train --val-split F --seed S' held out", "F", OPT_BELOW(0, 1),
         .note = "0: the test split"},
        {"seed", OPT_INT, &seed, "the --seed of that training run (0)", "S", OPT_SEED, .only_with = "val-split"},
        {"batch", OPT_INT, &batch, "batch size (100)", "N", OPT_RANGE(1, 65536)},
        {"threads", OPT_INT, &threads, "threads (default: all cores)", "T", OPT_THREADS},
        {"json", OPT_FLAG, &json, "print one JSON object", NULL},
        {"predictions", OPT_STRING, &predictions_path,
         "also write each image's label, prediction and top-5 probabilities to FILE.jsonl or FILE.csv", "FILE"},
        {"se-off", OPT_STRING, &se_off, "run the SE blocks of these stages as identity (gate 1): e.g. 3 | 2,3 | all",
         "LIST"},
    };
    int rc = parse_options("eval", "--data PATH [--arch A --weights W] [options]", specs, sizeof specs / sizeof *specs,
                           argc, argv, 2);
    if (rc)
        return rc > 0 ? 0 : 2;
    char default_path[4096];
    if (default_model_fill("eval", &weights, default_path, sizeof default_path))
        return 2;
    senet_config cfg;
    senet_model_info info;
    int rc_model = model_config("eval", &net, weights, 0, &cfg, &info);
    if (rc_model)
        return rc_model;
    if (apply_threads("eval", parallel_default_threads(threads)) || parallel_check_command("eval", argc, argv) ||
        model_normalize("eval", weights, &info, data.normalize, &data.normalize))
        return 2;
    int side;
    if (input_size_side("eval", &size, &side))
        return 2;
    if (predictions_path && !path_ends_with(predictions_path, ".jsonl") && !path_ends_with(predictions_path, ".csv")) {
        fprintf(stderr, "senet eval: --predictions %s: the file must end in .jsonl or .csv\n", predictions_path);
        return 2;
    }
    data.split_seed = (uint64_t)seed;
    /* the size the file says its net was trained at, unless asked for another */
    data.input_size = side ? side : info.input_h == info.input_w ? info.input_h : 0;
    dataset *ds = NULL;
    preprocess prep;
    if ((rc = data_open("eval", &data, train_split, 0, &ds, &prep, senet_arch_input_size(cfg.arch))))
        return rc;
    if (dataset_num_classes(ds) != cfg.num_classes) {
        fprintf(stderr, "senet eval: %s has %d classes, the net %d (use --num-classes)\n", data.path,
                dataset_num_classes(ds), cfg.num_classes);
        dataset_free(ds);
        return 1;
    }
    senet_net *model = open_frozen_net("eval", &cfg, weights);
    if (model && apply_se_off("eval", model, se_off)) {
        senet_net_free(model);
        dataset_free(ds);
        return 2;
    }
    loader *l = model ? data_loader("eval", ds, &prep, (int)batch, 0, 0) : NULL;
    int status = 1;
    predictions pred = {0};
    if (l && predictions_path && dist_world() > 1) {
        fprintf(stderr, "senet eval: --predictions runs in one process (under mpirun each rank sees a shard)\n");
        loader_free(l);
        l = NULL;
    } else if (l && predictions_path && predictions_open(&pred, predictions_path, ds)) {
        loader_free(l);
        l = NULL;
    }
    if (l) {
        eval_result r;
        status = evaluate_each(model, l, cfg.num_classes, &r, predictions_path ? predictions_add : NULL, &pred);
        if (predictions_close(&pred, status == 0) && !status) {
            eval_result_free(&r);
            status = -1;
        }
        if (status > 0) {
            cli_error("eval", "", status);
        } else if (!status && dist_rank() == 0) { /* under mpirun the ranks split the data; rank 0 reports */
            if (json)
                print_json(ds, &r);
            else
                print_text(ds, &r);
        }
        if (!status)
            eval_result_free(&r);
    }
    loader_free(l);
    senet_net_free(model);
    dataset_free(ds);
    return status ? 1 : 0;
}
