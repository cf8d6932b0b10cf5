/* senet: the command-line tool. Dispatches to one file per subcommand. */
#include "commands.h"
#include "dist/dist.h"
#include "parallel.h"
#include "senet.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
    int ranks; /* 1: runs under mpirun as one job of several ranks */
} command;

static const command commands[] = {
    {"info", cmd_info, "parameters, multiply-adds and a per-stage table of an architecture", 0},
    {"init", cmd_init, "write freshly initialised weights (PyTorch's default initialisation)", 0},
    {"forward", cmd_forward, "eval-mode logits of a batch of images", 0},
    {"step", cmd_step, "train-mode SGD steps on one batch", 1},
    {"train", cmd_train, "train on a dataset: schedules, evaluation, checkpoints, resume, metrics log", 1},
    {"eval", cmd_eval, "loss, top-1, top-5, per-class accuracy and confusion matrix on a test set", 1},
    {"classify", cmd_classify, "the top classes of images (JPEG, PNG) with names and probabilities", 0},
    {"excite", cmd_excite, "what the SE blocks' excitations do, per class and across depth, with the paper's figures", 0},
    {"plot", cmd_plot, "loss and accuracy curves of a training log as an SVG", 0},
    {"convert", cmd_convert, "load weights (F32, F16 or BF16) and write them as F32", 0},
    {"bench", cmd_bench, "time inference or training of an architecture on this machine", 0},
    {"serve", cmd_serve, "an HTTP inference service: batching, Open Inference Protocol v2, metrics, a web page", 0},
};

static void usage(FILE *out)
{
    fprintf(out, "senet %s: Squeeze-and-Excitation networks\n\nusage: senet COMMAND [options]\n\ncommands:\n",
            SENET_VERSION);
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n'senet COMMAND --help' describes each command's options.\n");
}

/* OpenMP threads that spin while waiting steal the core from the thread
 * that has work whenever anything else runs on the machine: measured here
 * under load, a se_resnet50 forward took 9 s spinning and 2 s sleeping.
 * Threads that sleep at once pay a futex wake-up at every parallel region
 * instead: se_resnet50 at batch 1 on 2 threads took 65-73 ms so, 59-61 ms
 * with a grace of 30000 spins (libgomp counts some 100 a microsecond) before
 * sleeping. libgomp reads both settings only at start-up, so when the user
 * has not chosen a policy the tool re-executes itself once with these. The
 * grace is the worst choice when another process keeps a core busy (235-268
 * ms against 88 with GOMP_SPINCOUNT=0, docs/BENCHMARKS.md), which a user
 * who shares the cores sets, and which this keeps. */
#define SPINS_BEFORE_SLEEP "30000"

static void prefer_passive_waiting(char **argv)
{
    if (getenv("OMP_WAIT_POLICY"))
        return;
    setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    setenv("GOMP_SPINCOUNT", SPINS_BEFORE_SLEEP, 0);
    execv("/proc/self/exe", argv); /* returns only on failure: carry on spinning */
}

/* Under mpirun every rank runs the command. A failure on some ranks only
 * would leave the others waiting in a collective for ever, so it stops the
 * whole job; a failure every rank saw (a disagreement) ends normally. */
static int run_command(const command *c, int argc, char **argv)
{
    if (dist_init(&argc, &argv))
        return 1;
    if (dist_world() > 1 && !c->ranks) { /* P copies would race to write the same files */
        if (dist_rank() == 0)
            fprintf(stderr, "senet %s: does not run under mpirun with several ranks (train, eval and step do)\n",
                    c->name);
        dist_finish();
        return 2;
    }
    int rc = c->run(argc, argv);
    if (rc && dist_world() > 1 && !parallel_failed_together) {
        fprintf(stderr, "senet (rank %d): stopping every rank of the job\n", dist_rank());
        dist_abort(rc);
    }
    dist_finish();
    return rc;
}

int main(int argc, char **argv)
{
    prefer_passive_waiting(argv);
    /* Under a file-size limit (ulimit -f) a write past it would kill us with
     * SIGXFSZ; ignored, it fails with EFBIG and the writer reports it. */
    signal(SIGXFSZ, SIG_IGN);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("senet %s\n", SENET_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return run_command(&commands[i], argc, argv);
    fprintf(stderr, "senet: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
}
