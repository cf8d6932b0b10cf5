/* senet plot: training curves from the metrics logs of `senet train`, as
 * an SVG or that SVG rendered as a PNG. One log: loss (per step, its spread
 * and a smoothed line, with the per-epoch train and test losses) and
 * accuracy (train top-1, test top-1 and top-5) against epoch. Several logs:
 * their per-epoch test and train losses and top-1 side by side, a colour a
 * run (see plot.h). */
#include "args.h"
#include "commands.h"
#include "plot.h"
#include "plot_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What is drawn: one run in detail, or several side by side. */
typedef struct plot_job {
    const metrics *runs;
    const char *const *labels;
    int count;
    const char *title;
} plot_job;

static int draw(FILE *out, const void *ctx)
{
    const plot_job *j = ctx;
    return j->count == 1 ? plot_svg(out, &j->runs[0], j->title)
                         : plot_compare_svg(out, j->runs, j->labels, j->count, j->title);
}

/* senet plot --confusion EVAL.json -o FILE: no logs, no --labels. */
static int plot_confusion_file(const char *path, int num_logs, const char *output, const char *title,
                               const char *labels, double scale, int scale_given)
{
    if (num_logs || labels || !output) {
        fprintf(stderr, "senet plot: --confusion takes no logs and no --labels, and needs -o FILE (usage: senet plot "
                        "--confusion EVAL.json -o FILE.svg|FILE.png)\n");
        return 2;
    }
    if (plot_check_output("plot", output, scale_given))
        return 2;
    confusion c;
    if (plot_read_confusion(path, &c))
        return 1;
    const char *slash = strrchr(path, '/');
    plot_confusion_job job = {&c, title ? title : slash ? slash + 1 : path};
    int status = plot_write_file("plot", output, plot_confusion_svg, &job, scale);
    plot_confusion_free(&c);
    return status;
}

/* A run's default name: the log's file name without .gz, .jsonl and .log,
 * or its folder's name when that leaves "log" (runs/NAME/log.jsonl). */
static void run_name(const char *log, char *name, size_t size)
{
    const char *slash = strrchr(log, '/'), *base = slash ? slash + 1 : log;
    snprintf(name, size, "%s", base);
    static const char *const suffixes[] = {".gz", ".jsonl", ".json", ".log"};
    for (int i = 0; i < 4; i++)
        if (path_ends_with(name, suffixes[i]))
            name[strlen(name) - strlen(suffixes[i])] = '\0';
    if ((strcmp(name, "log") == 0 || !*name) && slash && slash > log) {
        const char *end = slash, *begin = slash;
        while (begin > log && begin[-1] != '/')
            begin--;
        snprintf(name, size, "%.*s", (int)(end - begin), begin);
    }
}

int cmd_plot(int argc, char **argv)
{
    const char *output = NULL, *title = NULL, *labels_text = NULL, *confusion_path = NULL;
    double scale = 2;
    option_spec specs[] = {
        {"output", OPT_STRING, &output, "the picture to write, SVG or PNG by its extension (also -o)", "FILE",
         .required = 1},
        {"title", OPT_STRING, &title, "the title (default: the log's file name, or the runs compared)", "T"},
        {"labels", OPT_STRING, &labels_text, "names of the runs compared, comma-separated (default: from the paths)",
         "A,B"},
        {"scale", OPT_FLOAT, &scale, "PNG pixels per SVG unit (2: a 2120 x 930 picture)", "S",
         OPT_RANGE(0.25, 8)},
        {"confusion", OPT_STRING, &confusion_path, "draw the confusion matrix of 'senet eval --json' output instead",
         "EVAL.json"},
    };
    const int num_specs = sizeof specs / sizeof *specs;
    /* The logs are the positional arguments; -o is --output. */
    char **opts = malloc((size_t)argc * sizeof *opts);
    const char *logs[PLOT_MAX_RUNS];
    if (!opts) {
        fprintf(stderr, "senet plot: out of memory\n");
        return 1;
    }
    int num_opts = 0, num_logs = 0, extra = 0;
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "-o") == 0) {
            opts[num_opts++] = "--output";
            if (i + 1 < argc)
                opts[num_opts++] = argv[++i];
        } else if (arg[0] == '-' && arg[1]) {
            opts[num_opts++] = argv[i];
            if (strncmp(arg, "--", 2) == 0 && !strchr(arg, '=') && i + 1 < argc)
                for (int j = 0; j < num_specs; j++)
                    if (strcmp(arg + 2, specs[j].name) == 0)
                        opts[num_opts++] = argv[++i];
        } else if (num_logs < PLOT_MAX_RUNS) {
            logs[num_logs++] = arg;
        } else {
            extra = i;
        }
    }
    int rc = parse_options("plot", "LOG [LOG...] -o FILE.svg|FILE.png [--title T] [--labels A,B]", specs, num_specs,
                           num_opts, opts, 0);
    free(opts);
    if (rc) {
        if (rc > 0)
            printf("\nLOG: the metrics log (JSON lines, or gzip of them) that 'senet train' writes. With several\n"
                   "logs (up to %d) their test and train curves are drawn side by side, a colour a run.\n",
                   PLOT_MAX_RUNS);
        return rc > 0 ? 0 : 2;
    }
    if (extra) {
        fprintf(stderr, "senet plot: '%s': at most %d logs at a time\n", argv[extra], PLOT_MAX_RUNS);
        return 2;
    }
    if (confusion_path)
        return plot_confusion_file(confusion_path, num_logs, output, title, labels_text, scale,
                                   option_given(specs, num_specs, "scale"));
    if (!num_logs || !output) {
        fprintf(stderr, "senet plot: a log and -o FILE are required (usage: senet plot LOG -o FILE.svg|FILE.png)\n");
        return 2;
    }
    if (plot_check_output("plot", output, option_given(specs, num_specs, "scale")))
        return 2;
    /* Labels: --labels split at commas, else from the paths. */
    char names[PLOT_MAX_RUNS][128], given[1024] = "";
    const char *labels[PLOT_MAX_RUNS];
    int num_labels = 0;
    if (labels_text) {
        snprintf(given, sizeof given, "%s", labels_text);
        for (char *p = given, *comma; p && num_labels < PLOT_MAX_RUNS + 1; p = comma ? comma + 1 : NULL) {
            comma = strchr(p, ',');
            if (comma)
                *comma = '\0';
            if (num_labels < PLOT_MAX_RUNS)
                labels[num_labels] = p;
            num_labels++;
        }
        if (num_labels != num_logs) {
            char names_text[32], logs_text[32];
            fprintf(stderr, "senet plot: --labels gives %s for %s\n",
                    plural(names_text, sizeof names_text, num_labels, "name"),
                    plural(logs_text, sizeof logs_text, num_logs, "log"));
            return 2;
        }
    } else {
        for (int i = 0; i < num_logs; i++) {
            run_name(logs[i], names[i], sizeof names[i]);
            labels[i] = names[i];
        }
    }
    metrics runs[PLOT_MAX_RUNS];
    memset(runs, 0, sizeof runs);
    int status = 1;
    for (int i = 0; i < num_logs; i++) {
        if (plot_read_log(logs[i], &runs[i]))
            goto done;
        if (!runs[i].num_steps && !runs[i].num_epochs) {
            fprintf(stderr, "senet plot: %s: no step or epoch records with an epoch and a metric\n", logs[i]);
            goto done;
        }
    }
    char compared[512];
    if (!title && num_logs == 1) {
        const char *slash = strrchr(logs[0], '/');
        title = slash ? slash + 1 : logs[0];
    } else if (!title) {
        size_t len = 0;
        compared[0] = '\0';
        for (int i = 0; i < num_logs && len < sizeof compared; i++)
            len += (size_t)snprintf(compared + len, sizeof compared - len, "%s%s", i ? " vs " : "", labels[i]);
        title = compared;
    }
    plot_job job = {runs, labels, num_logs, title};
    status = plot_write_file("plot", output, draw, &job, scale);
done:
    for (int i = 0; i < num_logs; i++)
        plot_metrics_free(&runs[i]);
    return status;
}
