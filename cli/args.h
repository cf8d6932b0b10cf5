/* Command-line option parsing shared by the subcommands: a table of options
 * per command, strict number parsing, and the options that build a net
 * (--arch, --num-classes and the --se-* family). */
#ifndef SENET_CLI_ARGS_H
#define SENET_CLI_ARGS_H

#include "senet.h"

#include <math.h>

typedef enum opt_kind { OPT_STRING, OPT_INT, OPT_FLOAT, OPT_FLAG, OPT_SIZE } opt_kind;

/* --input-size, one rule for every command: S or HxW, each side in the nets'
 * range (the library's); 0 x 0 when not given. */
typedef struct input_size {
    int h, w;
} input_size;
#define INPUT_SIDE_MIN 32
#define INPUT_SIDE_MAX 16384

/* One option of a command. What a value may be is declared here and checked
 * by parse_options as it reads the option, so that every message names the
 * option and what it allows; nothing is checked again in the commands. */
typedef struct option_spec {
    const char *name;  /* without the leading "--" */
    opt_kind kind;
    void *value;       /* const char **, long *, double *, int *, input_size * */
    const char *help;
    const char *metavar;
    int bounded;                 /* OPT_INT, OPT_FLOAT: min <= value <= max */
    double min, max;
    int min_open, max_open;      /* that bound itself excluded */
    const char *note;            /* said after the range: what a special value means */
    const char *const *choices;  /* OPT_STRING: the words allowed, NULL-terminated */
    int required;                /* an error when not given */
    const char *only_with;       /* applies only with this option ("resume") or this value of it ("schedule=multistep") */
    int given;                   /* set by parse_options */
} option_spec;

/* Declarations for the option tables, after the five fields: */
#define OPT_RANGE(lo, hi) .bounded = 1, .min = (lo), .max = (hi)
#define OPT_AT_LEAST(lo) OPT_RANGE(lo, INFINITY)
#define OPT_MORE_THAN(lo) OPT_AT_LEAST(lo), .min_open = 1
#define OPT_BELOW(lo, hi) OPT_RANGE(lo, hi), .max_open = 1 /* lo <= v < hi */
#define OPT_ABOVE(lo, hi) OPT_RANGE(lo, hi), .min_open = 1 /* lo < v <= hi */
#define OPT_CHOICES(...) .choices = (const char *const[]){__VA_ARGS__, NULL}
/* --normalize: the presets of src/data/preprocess.c */
#define OPT_NORMALIZE_CHOICES OPT_CHOICES("imagenet", "caffe", "cifar", "mnist", "unit")
#define OPT_THREADS OPT_RANGE(0, 1024), .note = "0: all cores"
#define OPT_SEED OPT_RANGE(0, 9007199254740992.0) /* 2^53: a seed every JSON reader of the logs keeps exact */

/* The options that build a net; strings stay NULL when not given. */
typedef struct net_options {
    const char *arch;
    long num_classes;  /* 0: the architecture's default */
    const char *se_reduction, *se_squeeze, *se_gate, *se_mode, *se_stages, *se_bias;
} net_options;

#define NET_OPTION_SPECS(o)                                                                                       \
    {"arch", OPT_STRING, &(o)->arch, "architecture (see 'senet info --list')", "A"},                            \
    {"num-classes", OPT_INT, &(o)->num_classes, "classes of the classifier (default: 1000 ImageNet, 10 CIFAR)", "K", \
     OPT_RANGE(1, 1000000)},                                                                                    \
    {"se-reduction", OPT_STRING, &(o)->se_reduction, "SE reduction ratio r, dividing each SE's channels (16)", "R"}, \
    {"se-squeeze", OPT_STRING, &(o)->se_squeeze, "SE squeeze: avg | max (avg)", "S",            \
     OPT_CHOICES("avg", "max")},                              \
    {"se-gate", OPT_STRING, &(o)->se_gate, "SE gate: sigmoid | tanh | relu (sigmoid)", "G", \
     OPT_CHOICES("sigmoid", "tanh", "relu")},                      \
    {"se-mode", OPT_STRING, &(o)->se_mode, "SE integration: standard | pre | post | identity (standard)", "M", \
     OPT_CHOICES("standard", "pre", "post", "identity")},    \
    {"se-stages", OPT_STRING, &(o)->se_stages, "stages with SE: e.g. 1,2,3,4 | 3,4 | all | none", "LIST"},         \
    {"se-bias", OPT_STRING, &(o)->se_bias, "excitation biases: 1 | 0 (1)", "B", OPT_CHOICES("1", "0")}

/* Parses argv[first..argc) and checks each value against its declaration,
 * then the required options and those that apply only with another. Returns
 * 0, 1 when --help was printed, or -1 after printing an error to stderr (a
 * usage error: the command exits 2). */
int parse_options(const char *command, const char *usage, option_spec *specs, int num_specs, int argc, char **argv,
                  int first);

/* parse_options, then net_config_from_options: 0 to go on, otherwise the
 * command returns *exit_code (0 after --help, 2 on a usage error). */
int parse_net_command(const char *command, const char *usage, option_spec *specs, int num_specs, int argc,
                      char **argv, const net_options *net, senet_config *cfg, int *exit_code);

/* Turns net options into a config; prints an error and returns -1 on a bad value. */
int net_config_from_options(const net_options *o, senet_config *cfg);

/* Creates the net that cfg describes and, when weights is not NULL, loads
 * them; prints the error and returns NULL on failure. */
senet_net *open_net(const char *command, const senet_config *cfg, const char *weights);
/* open_net for a command that only runs eval-mode forwards: the net keeps
 * its packed weights alone (senet_net_freeze). */
senet_net *open_frozen_net(const char *command, const senet_config *cfg, const char *weights);

/* Applies --se-off LIST (stages 1-4, 'all' or 'none'; NULL: nothing) to an
 * eval-mode net: those stages' SE blocks run as identity. Prints an error
 * (a stage without SE, a net without SE) and returns -1 on a bad value. */
int apply_se_off(const char *command, senet_net *net, const char *text);

/* Applies --threads (0: all cores); prints an error and returns -1 when out of range. */
int apply_threads(const char *command, long threads);

/* Whether the option NAME of the table was on the command line. */
int option_given(const option_spec *specs, int num_specs, const char *name);

/* For a command whose pipeline is square: the side of --input-size (0 when
 * not given); prints an error and returns -1 for HxW with H != W. */
int input_size_side(const char *command, const input_size *size, int *side);

/* "1 epoch", "2 epochs": NUMBER and the noun, in BUF. */
const char *plural(char *buf, size_t size, long long number, const char *noun);

/* Prints "senet COMMAND: message" to stderr (with the library's last error when status != 0). */
void cli_error(const char *command, const char *message, int status);

#endif
