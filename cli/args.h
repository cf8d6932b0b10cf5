/* Command-line option parsing shared by the subcommands: a table of options
 * per command, strict number parsing, and the options that build a net
 * (--arch, --num-classes and the --se-* family). */
#ifndef SENET_CLI_ARGS_H
#define SENET_CLI_ARGS_H

#include "senet.h"

typedef enum opt_kind { OPT_STRING, OPT_INT, OPT_FLOAT, OPT_FLAG } opt_kind;

typedef struct option_spec {
    const char *name;  /* without the leading "--" */
    opt_kind kind;
    void *value;       /* const char **, long *, double *, int * */
    const char *help;
    const char *metavar;
} option_spec;

/* The options that build a net; strings stay NULL when not given. */
typedef struct net_options {
    const char *arch;
    long num_classes;  /* 0: the architecture's default */
    const char *se_reduction, *se_squeeze, *se_gate, *se_mode, *se_stages, *se_bias;
} net_options;

#define NET_OPTION_SPECS(o)                                                                                       \
    {"arch", OPT_STRING, &(o)->arch, "architecture (see 'senet info --list')", "A"},                            \
    {"num-classes", OPT_INT, &(o)->num_classes, "classes of the classifier (default: 1000 ImageNet, 10 CIFAR)", "K"}, \
    {"se-reduction", OPT_STRING, &(o)->se_reduction, "SE reduction ratio r, dividing each SE's channels (16)", "R"}, \
    {"se-squeeze", OPT_STRING, &(o)->se_squeeze, "SE squeeze: avg | max (avg)", "S"},                              \
    {"se-gate", OPT_STRING, &(o)->se_gate, "SE gate: sigmoid | tanh | relu (sigmoid)", "G"},                      \
    {"se-mode", OPT_STRING, &(o)->se_mode, "SE integration: standard | pre | post | identity (standard)", "M"},    \
    {"se-stages", OPT_STRING, &(o)->se_stages, "stages with SE: e.g. 1,2,3,4 | 3,4 | all | none", "LIST"},         \
    {"se-bias", OPT_STRING, &(o)->se_bias, "excitation biases: 1 | 0 (1)", "B"}

/* Parses argv[first..argc). Returns 0, 1 when --help was printed, or -1
 * after printing an error to stderr. */
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

/* An input size "S" or "HxW" (positive); 0 or -1 on a bad text. */
int parse_size(const char *text, int *h, int *w);

/* Prints "senet COMMAND: message" to stderr (with the library's last error when status != 0). */
void cli_error(const char *command, const char *message, int status);

#endif
