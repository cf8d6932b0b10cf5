/* The fine-tuning options that senet train and senet step share: which
 * stages to freeze (--freeze) and the classifier's learning-rate factor
 * (--head-lr-mult). */
#ifndef SENET_CLI_FINETUNE_H
#define SENET_CLI_FINETUNE_H

#include "senet.h"

/* --freeze LIST for NET: names among stem (or layer0), layer1 .. layerN and
 * all (every stage: the classifier alone trains), which must make a leading
 * run (the stem, then the first stages in order). NULL or "none": nothing.
 * Prints an error naming the option and returns -1 on a bad list. */
int parse_freeze(const char *command, const char *list, const senet_net *net, unsigned *stages);

/* parse_freeze, then senet_net_freeze_stages: 0, or -1 after an error. */
int apply_freeze(const char *command, const char *list, senet_net *net);

/* The names of the frozen stages ("stem,layer1"; "none"), for the run's record. */
void freeze_describe(unsigned stages, char *buf, int size);

#endif
