/* Checking a dataset before training: every image of an image folder is
 * read and decoded once, so that an unreadable file is found before the
 * first epoch rather than at the end of one. CIFAR and IDX files hold raw
 * pixels and need no check. */
#ifndef SENET_CLI_DATA_CHECK_H
#define SENET_CLI_DATA_CHECK_H

#include "data/dataset.h"

/* Checks DS (WHICH: "training" or "test", for the messages). Each bad
 * image is reported with its file and the reason (the first ten; then a
 * count). strict: any bad image fails the check (-1). Otherwise, when
 * some are bad, *view gets a view of DS without them (which DS must
 * outlive); it stays NULL when all are good. -1 after an error (printed). */
int data_check(const char *command, const char *which, const dataset *ds, int strict, dataset **view);

#endif
