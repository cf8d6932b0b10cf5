/* A command's net from a model file: the file's metadata (senet_model_info)
 * decides the architecture, classes, SE options and class names, and a
 * flag given as well must say the same; a file without metadata (PyTorch's)
 * takes the flags as before. Also what every file senet writes carries
 * beside the configuration: class names, input size, normalisation and
 * the command line that made it. */
#ifndef SENET_CLI_MODEL_FILE_H
#define SENET_CLI_MODEL_FILE_H

#include "args.h"
#include "class_names.h"

/* The config of a net for WEIGHTS (NULL: from the flags alone) and the
 * flags in O. allow_classes: --num-classes may differ from the file's (a
 * fine-tuning run replaces the classifier). *info gets the file's metadata
 * (zeroed when there is no file). Returns 0, 1 after a failure to read the
 * file, 2 after a usage error (a flag that disagrees with the file, no
 * --arch for a file that does not say it); the message is printed. */
int model_config(const char *command, const net_options *o, const char *weights, int allow_classes,
                 senet_config *cfg, senet_model_info *info);

/* parse_options, then model_config for the file *weights (as parsed; may
 * be NULL): 0 to go on, otherwise the command returns *exit_code (0 after
 * --help). */
int parse_model_command(const char *command, const char *usage, option_spec *specs, int num_specs, int argc,
                        char **argv, const net_options *net, const char *const *weights, senet_config *cfg,
                        senet_model_info *info, int *exit_code);

/* The class names of a net of num_classes: the file's class_names when it
 * has them (a --labels file must then list the same), else as
 * class_names_for. 0, or the exit status after printing the error. */
int model_class_names(const char *command, const char *weights, const senet_model_info *info, const char *labels,
                      int num_classes, class_names *out);

/* The normalisation a command uses: the flag, else the file's, else NULL
 * (the command's default). An unknown name, or a flag that disagrees with
 * the file, is an error (returns -1 after printing). */
int model_normalize(const char *command, const char *weights, const senet_model_info *info, const char *flag,
                    const char **out);

/* Attaches the command line (argv[0..argc) as "senet ARGS") as "command". */
int model_set_command(senet_net *net, int argc, char **argv);

/* Attaches class_names (one a line), input_size "HxW" (or "S") and
 * normalize (may be NULL) to the net. 0 or a status. */
int model_set_data_metadata(senet_net *net, const char *const *names, int count, int h, int w, const char *normalize);

#endif
