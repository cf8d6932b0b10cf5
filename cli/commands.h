/* The subcommands of the senet tool, one file each. Each returns the
 * process exit status. */
#ifndef SENET_CLI_COMMANDS_H
#define SENET_CLI_COMMANDS_H

int cmd_info(int argc, char **argv);
int cmd_init(int argc, char **argv);
int cmd_forward(int argc, char **argv);
int cmd_step(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_classify(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_excite(int argc, char **argv);

#endif
