/* Reading the batch files of `senet forward` and `senet step`: `input` F32
 * (N, 3, H, W) and, for training, `labels` I64 (N). */
#ifndef SENET_CLI_TENSOR_FILE_H
#define SENET_CLI_TENSOR_FILE_H

#include <stdint.h>

typedef struct batch_file {
    float *input;     /* (n, 3, h, w) */
    int64_t *labels;  /* (n), or NULL when not asked for */
    int n, h, w;
} batch_file;

/* Prints an error naming the file and returns non-zero on failure. */
int batch_file_read(const char *command, const char *path, int want_labels, batch_file *out);
void batch_file_free(batch_file *b);

#endif
