/* senet eval --predictions FILE: one record per image (its index, file,
 * label, prediction and top-5 probabilities), as JSON lines (.jsonl) or
 * CSV (.csv), chosen by the file's extension. */
#ifndef SENET_CLI_PREDICTIONS_H
#define SENET_CLI_PREDICTIONS_H

#include "data/dataset.h"

#include <stdint.h>
#include <stdio.h>

typedef struct predictions {
    FILE *out;
    int csv;
    const dataset *ds; /* names the files and the classes */
    char *tmp_path;    /* written here, renamed to path when complete */
    const char *path;
} predictions;

/* Checks PATH's extension and opens its temporary file; 0, or -1 with the message printed. */
int predictions_open(predictions *p, const char *path, const dataset *ds);
/* An eval_sink (evaluate.h): writes one image's record. */
int predictions_add(void *ctx, int64_t index, int64_t label, const float *logits, int classes);
/* Completes the file (keep: 1) or removes it; 0, or -1 with the message printed. */
int predictions_close(predictions *p, int keep);

#endif
