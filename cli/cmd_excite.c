/* senet excite: the paper's analysis of what excitation does (TPAMI
 * section 7). The first N images of every class of a dataset, in its order,
 * go through the evaluation transform of senet eval and an eval-mode net
 * that keeps its SE gates; per chosen block the gates' mean and deviation
 * per class and over all images, class-specificity and saturation
 * (excite.h), as a table or JSON, and the paper's figures as SVG or PNG. */
#include "args.h"
#include "model_file.h"
#include "commands.h"
#include "data_setup.h"
#include "default_model.h"
#include "excite.h"
#include "parallel.h"
#include "plot_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct excite_options {
    const char *classes, *images_per_class, *blocks, *output;
    long channels, seed, batch;
    double scale;
    int json;
} excite_options;

/* The chosen blocks into r->blocks: "last" (the last block of every stage
 * and every block of the last stage: the paper's SE_2_3, SE_3_4, SE_4_6,
 * SE_5_1..3 for SE-ResNet-50), "all", or names separated by commas. 0, or
 * the exit status after the message (2: a name the net does not have). */
static int choose_blocks(senet_net *net, const char *spec, excite_run *r)
{
    int total = senet_net_num_se_blocks(net), last_stage = 0;
    senet_se_block *all = calloc((size_t)total, sizeof *all);
    int *take = calloc((size_t)total, sizeof *take);
    if (!all || !take) {
        free(all);
        free(take);
        fprintf(stderr, "senet excite: out of memory\n");
        return 1;
    }
    for (int k = 0; k < total; k++) {
        senet_net_se_block(net, k, &all[k]);
        last_stage = all[k].stage > last_stage ? all[k].stage : last_stage;
    }
    int status = 0;
    if (strcmp(spec, "last") == 0 || strcmp(spec, "all") == 0) {
        for (int k = 0; k < total; k++)
            take[k] = strcmp(spec, "all") == 0 || all[k].stage == last_stage || k + 1 == total ||
                      all[k + 1].stage != all[k].stage;
    } else {
        char *copy = strdup(spec);
        for (char *name = copy ? strtok(copy, ",") : NULL; name && !status; name = strtok(NULL, ",")) {
            int index;
            if (senet_net_find_se_block(net, name, &index)) {
                fprintf(stderr, "senet excite: --blocks: %s has no SE block '%s' (its blocks are %s ... %s; or use "
                                "'last' or 'all')\n",
                        senet_net_config(net)->arch, name, all[0].name, all[total - 1].name);
                status = 2;
            } else {
                take[index] = 1;
            }
        }
        if (!copy)
            status = 1;
        free(copy);
    }
    for (int k = 0; k < total && !status; k++)
        r->num_blocks += take[k];
    r->blocks = status ? NULL : calloc((size_t)(r->num_blocks ? r->num_blocks : 1), sizeof *r->blocks);
    for (int k = 0, i = 0; k < total && r->blocks; k++) {
        if (!take[k])
            continue;
        excite_block *b = &r->blocks[i++];
        snprintf(b->name, sizeof b->name, "%s", all[k].name);
        snprintf(b->paper_name, sizeof b->paper_name, "SE_%d_%d", all[k].stage + 1, all[k].block + 1);
        b->index = k, b->stage = all[k].stage, b->block = all[k].block, b->channels = all[k].channels;
    }
    free(all);
    free(take);
    if (!status && !r->blocks) {
        fprintf(stderr, "senet excite: out of memory\n");
        status = 1;
    }
    return status;
}

/* The chosen classes (names from --classes, or all) into r, and slot[c]:
 * each dataset class's place among them, or -1. 0, or the exit status after
 * the message (2: a class the data does not have, or one named twice). */
static int choose_classes(const dataset *ds, const char *spec, excite_run *r, int *slot)
{
    int k = dataset_num_classes(ds);
    r->class_names = calloc((size_t)k, sizeof *r->class_names);
    r->class_images = calloc((size_t)k, sizeof *r->class_images);
    if (!r->class_names || !r->class_images) {
        fprintf(stderr, "senet excite: out of memory\n");
        return 1;
    }
    for (int c = 0; c < k; c++)
        slot[c] = spec ? -1 : c;
    if (!spec) {
        for (int c = 0; c < k; c++)
            r->class_names[c] = dataset_class_name(ds, c);
        r->num_classes = k;
        return 0;
    }
    char *copy = strdup(spec);
    int status = copy ? 0 : 1;
    for (char *name = copy ? strtok(copy, ",") : NULL; name && !status; name = strtok(NULL, ",")) {
        int found = -1;
        for (int c = 0; c < k && found < 0; c++)
            if (strcmp(dataset_class_name(ds, c), name) == 0)
                found = c;
        if (found < 0) {
            fprintf(stderr, "senet excite: --classes: the data has no class '%s' (its classes:", name);
            for (int c = 0; c < k && c < 20; c++)
                fprintf(stderr, " %s", dataset_class_name(ds, c));
            fprintf(stderr, "%s)\n", k > 20 ? " ..." : "");
            status = 2;
        } else if (slot[found] >= 0) {
            fprintf(stderr, "senet excite: --classes names '%s' twice\n", name);
            status = 2;
        } else {
            slot[found] = r->num_classes;
            r->class_names[r->num_classes++] = dataset_class_name(ds, found);
        }
    }
    free(copy);
    return status;
}

/* The first `per_class` images of every class (all when per_class is 0), in
 * the data's order: "all" takes every class, so that its reference does
 * not depend on the classes chosen. */
static int64_t *first_images(const dataset *ds, int64_t per_class, int64_t *count)
{
    int64_t n = dataset_count(ds);
    int k = dataset_num_classes(ds), full = 0;
    int64_t *taken = calloc((size_t)k, sizeof *taken), *indices = malloc((size_t)(n > 0 ? n : 1) * sizeof *indices);
    *count = 0;
    for (int64_t i = 0; taken && indices && i < n && full < k; i++) {
        int label = dataset_label(ds, i);
        if (label < 0 || label >= k || (per_class && taken[label] >= per_class))
            continue;
        indices[(*count)++] = i;
        full += ++taken[label] == per_class;
    }
    if (!taken) {
        free(indices);
        indices = NULL;
    }
    free(taken);
    return indices;
}

/* Runs the images through the net and adds every chosen block's gates. */
static int accumulate(senet_net *net, loader *l, const int *slot, excite_run *r, int classes)
{
    int max_n, h, w;
    loader_batch_shape(l, &max_n, &h, &w);
    float *logits = malloc((size_t)max_n * classes * sizeof(float));
    int status = logits ? loader_start_epoch(l, 0, 0) : SENET_ERR_NOMEM;
    int64_t done = 0;
    int tty = isatty(STDERR_FILENO);
    while (!status) {
        loader_batch b;
        status = loader_next(l, &b);
        if (status || b.end)
            break;
        status = senet_net_forward(net, b.images, b.n, b.h, b.w, logits);
        for (int i = 0; i < r->num_blocks && !status; i++) {
            const float *gates;
            int n;
            status = senet_net_excitations(net, r->blocks[i].index, &gates, &n);
            for (int j = 0; j < n && !status; j++)
                excite_add(&r->blocks[i], gates + (size_t)j * r->blocks[i].channels, slot[b.labels[j]]);
        }
        done += b.n;
        r->all_images = done;
        if (tty)
            fprintf(stderr, "\rsenet excite: %lld images", (long long)done);
    }
    if (tty)
        fprintf(stderr, "\n");
    free(logits);
    if (status)
        cli_error("excite", "", status);
    return status ? -1 : 0;
}

/* OUTPUT's name with `tag` before the extension: figs.svg -> figs.within.svg. */
static void tagged_name(const char *output, const char *tag, char *dst, size_t size)
{
    const char *dot = strrchr(output, '.');
    size_t stem = dot ? (size_t)(dot - output) : strlen(output);
    snprintf(dst, size, "%.*s.%s%s", (int)stem, output, tag, dot ? dot : "");
}

static int write_figures(const excite_options *o, const excite_run *r)
{
    char within[4096], depth[4096];
    tagged_name(o->output, "within", within, sizeof within);
    tagged_name(o->output, "depth", depth, sizeof depth);
    if (plot_write_file("excite", o->output, excite_svg_between, r, o->scale) ||
        plot_write_file("excite", within, excite_svg_within, r, o->scale) ||
        plot_write_file("excite", depth, excite_svg_depth, r, o->scale))
        return -1;
    fprintf(stderr, "senet excite: wrote %s (between classes), %s (within a class), %s (across depth)\n", o->output,
            within, depth);
    return 0;
}

/* -o is --output; the rest goes to parse_options as it is. */
static char **with_long_output(int argc, char **argv)
{
    char **copy = malloc((size_t)(argc + 1) * sizeof *copy);
    for (int i = 0; copy && i < argc; i++)
        copy[i] = strcmp(argv[i], "-o") == 0 ? "--output" : argv[i];
    if (copy)
        copy[argc] = NULL;
    return copy;
}

static int check_options(const excite_options *o, const option_spec *specs, int num_specs, int64_t *per_class)
{
    char extra;
    long long n = 0;
    if (strcmp(o->images_per_class, "all") == 0) {
        *per_class = 0;
    } else if (sscanf(o->images_per_class, "%lld%c", &n, &extra) != 1 || n < 1 || n > 1000000000) {
        fprintf(stderr, "senet excite: --images-per-class %s is not a count 1..1000000000 or 'all'\n",
                o->images_per_class);
        return -1;
    } else {
        *per_class = n;
    }
    int scale_given = option_given(specs, num_specs, "scale");
    if (scale_given && !o->output) {
        fprintf(stderr, "senet excite: --scale applies only with --output FILE.png\n");
        return -1;
    }
    /* the sampled channels are drawn in the figures and listed in the JSON; the table has none */
    const char *sample = option_given(specs, num_specs, "channels") ? "channels"
                         : option_given(specs, num_specs, "seed") ? "seed" : NULL;
    if (sample && !o->output && !o->json) {
        fprintf(stderr, "senet excite: --%s applies only with --output or --json (the channels they show)\n", sample);
        return -1;
    }
    return o->output ? plot_check_output("excite", o->output, scale_given) : 0;
}

int cmd_excite(int argc, char **argv)
{
    net_options net = {0};
    data_choice data = {0};
    excite_options o = {NULL, "50", "last", NULL, 50, 0, 100, 2, 0};
    const char *weights = NULL;
    long threads = 0;
    input_size size = {0, 0};
    int train_split = 0;
    option_spec specs[] = {
        NET_OPTION_SPECS(&net),
        {"weights", OPT_STRING, &weights, "weights (default: the bundled se_resnet20 CIFAR-10 model)", "W"},
        DATA_OPTION_SPECS(&data),
        {"input-size", OPT_SIZE, &size, "evaluate at this size, S (default: the data's or the net's)", "S"},
        {"augment", OPT_STRING, &data.augment, "the pipeline trained with, as in senet eval (default: by size)", "A",
         DATA_AUGMENT_CHOICES},
        {"train-split", OPT_FLAG, &train_split, "use the training split instead of the test split", NULL},
        {"classes", OPT_STRING, &o.classes, "classes to compare, by name, comma-separated (default: all)", "C1,C2"},
        {"images-per-class", OPT_STRING, &o.images_per_class, "the first N images of each class, or 'all' (50)", "N"},
        {"blocks", OPT_STRING, &o.blocks,
         "SE blocks: last (the last of each stage and all of the last stage) | all | names (last)", "B"},
        {"channels", OPT_INT, &o.channels, "channels a block drawn in the figures, sampled by --seed (50)", "K",
         OPT_RANGE(1, 100000)},
        {"seed", OPT_INT, &o.seed, "seed of the channel sample (0)", "S", OPT_SEED},
        {"output", OPT_STRING, &o.output,
         "figures: FILE.svg|.png (between classes), FILE.within.*, FILE.depth.* (also -o)", "FILE"},
        {"scale", OPT_FLOAT, &o.scale, "PNG pixels per SVG unit (2)", "S", OPT_RANGE(0.25, 8)},
        {"json", OPT_FLAG, &o.json, "print one JSON object instead of the table", NULL},
        {"batch", OPT_INT, &o.batch, "batch size (100)", "N", OPT_RANGE(1, 65536)},
        {"threads", OPT_INT, &threads, "threads (default: all cores)", "T", OPT_THREADS},
    };
    char **args = with_long_output(argc, argv);
    if (!args) {
        fprintf(stderr, "senet excite: out of memory\n");
        return 1;
    }
    int rc = parse_options("excite", "--data PATH [--arch A --weights W] [-o FILE.svg|.png] [options]", specs,
                           sizeof specs / sizeof *specs, argc, args, 2);
    free(args);
    if (rc)
        return rc > 0 ? 0 : 2;
    int64_t per_class;
    if (check_options(&o, specs, sizeof specs / sizeof *specs, &per_class))
        return 2;
    char default_path[4096];
    if (default_model_fill("excite", &weights, default_path, sizeof default_path))
        return 2;
    senet_config cfg;
    senet_model_info info;
    int rc_model = model_config("excite", &net, weights, 0, &cfg, &info);
    if (rc_model)
        return rc_model;
    if (apply_threads("excite", parallel_default_threads(threads)) || parallel_check_command("excite", argc, argv) ||
        model_normalize("excite", weights, &info, data.normalize, &data.normalize))
        return 2;
    if (input_size_side("excite", &size, &data.input_size))
        return 2;
    senet_net *model = open_frozen_net("excite", &cfg, weights);
    if (!model)
        return 1;
    int status = 1;
    excite_run r = {0};
    dataset *ds = NULL, *chosen = NULL;
    preprocess prep;
    loader *l = NULL;
    int *slot = NULL;
    int64_t *indices = NULL, count = 0;
    if (senet_net_num_se_blocks(model) == 0) {
        fprintf(stderr, "senet excite: %s has no SE blocks: there is no excitation to analyse\n", cfg.arch);
        goto done;
    }
    if ((rc = choose_blocks(model, o.blocks, &r))) {
        status = rc;
        goto done;
    }
    if ((rc = data_open("excite", &data, train_split, 0, &ds, &prep, senet_arch_input_size(cfg.arch)))) {
        status = rc;
        goto done;
    }
    if (dataset_num_classes(ds) != cfg.num_classes) {
        fprintf(stderr, "senet excite: %s has %d classes, the net %d (use --num-classes)\n", data.path,
                dataset_num_classes(ds), cfg.num_classes);
        goto done;
    }
    slot = malloc((size_t)cfg.num_classes * sizeof *slot);
    if (!slot || (rc = choose_classes(ds, o.classes, &r, slot))) {
        status = slot ? rc : 1;
        goto done;
    }
    if (o.output && r.num_classes > EXCITE_MAX_PLOT_CLASSES) {
        fprintf(stderr, "senet excite: the figures draw at most %d classes, %d are chosen: name them with --classes\n",
                EXCITE_MAX_PLOT_CLASSES, r.num_classes);
        status = 2;
        goto done;
    }
    indices = first_images(ds, per_class, &count);
    if (!indices) {
        fprintf(stderr, "senet excite: out of memory\n");
        goto done;
    }
    for (int64_t i = 0; i < count; i++) {
        int s = slot[dataset_label(ds, indices[i])];
        if (s >= 0)
            r.class_images[s]++;
    }
    for (int k = 0; k < r.num_classes; k++)
        if (r.class_images[k] == 0) {
            fprintf(stderr, "senet excite: the data has no images of class '%s'\n", r.class_names[k]);
            goto done;
        }
    for (int i = 0; i < r.num_blocks; i++)
        if (excite_block_alloc(&r.blocks[i], r.num_classes)) {
            fprintf(stderr, "senet excite: out of memory for the statistics of %d classes\n", r.num_classes);
            goto done;
        }
    if (dataset_select(ds, indices, count, &chosen)) {
        cli_error("excite", "", SENET_ERR_NOMEM);
        goto done;
    }
    l = data_loader("excite", chosen, &prep, (int)o.batch, 0, 0);
    if (!l || senet_net_set_excitation_capture(model, 1) || accumulate(model, l, slot, &r, cfg.num_classes) ||
        excite_finish(&r) || excite_sample_channels(&r, (int)o.channels, (uint64_t)o.seed))
        goto done;
    char title[256];
    snprintf(title, sizeof title, "%s on %s", cfg.arch, data.path);
    r.title = title;
    if (o.json)
        excite_print_json(stdout, &r, cfg.arch, o.images_per_class);
    else
        excite_print_text(stdout, &r);
    status = o.output && write_figures(&o, &r) ? 1 : 0;
done:
    loader_free(l);
    dataset_free(chosen);
    dataset_free(ds);
    free(indices);
    free(slot);
    excite_run_free(&r);
    senet_net_free(model);
    return status;
}
