/* Batch files for forward and step, validated before use. */
#include "tensor_file.h"

#include "args.h"
#include "io/safetensors.h"

#include <stdio.h>
#include <stdlib.h>

int batch_file_read(const char *command, const char *path, int want_labels, batch_file *out)
{
    safetensors_file *f = NULL;
    out->input = NULL;
    out->labels = NULL;
    int status = safetensors_open(path, &f);
    if (status) {
        cli_error(command, "cannot read the input", status);
        return -1;
    }
    const st_tensor *t = safetensors_find(f, "input");
    const st_tensor *l = want_labels ? safetensors_find(f, "labels") : NULL;
    const char *problem = NULL;
    if (!t)
        problem = "has no tensor 'input'";
    else if (t->ndim != 4 || t->shape[1] != 3)
        problem = "'input' must have shape (N, 3, H, W)";
    else if (t->shape[0] < 1 || t->shape[0] > 1 << 20 || t->shape[2] < 32 || t->shape[3] < 32 ||
             t->shape[2] > 16384 || t->shape[3] > 16384)
        problem = "'input' needs 1 <= N <= 2^20 and 32 <= H, W <= 16384";
    else if (want_labels && !l)
        problem = "has no tensor 'labels'";
    else if (want_labels && (l->ndim != 1 || l->shape[0] != t->shape[0]))
        problem = "'labels' must have shape (N) with the N of 'input'";
    if (problem) {
        fprintf(stderr, "senet %s: %s %s\n", command, path, problem);
        safetensors_close(f);
        return -1;
    }
    out->n = (int)t->shape[0], out->h = (int)t->shape[2], out->w = (int)t->shape[3];
    size_t count = st_tensor_numel(t);
    out->input = malloc(count * sizeof(float));
    out->labels = want_labels ? malloc((size_t)out->n * sizeof(int64_t)) : NULL;
    if (!out->input || (want_labels && !out->labels)) {
        fprintf(stderr, "senet %s: %s: no memory for a batch of %zu values\n", command, path, count);
        status = SENET_ERR_NOMEM;
    } else {
        status = safetensors_read_f32(f, t, out->input, count);
        if (!status && want_labels)
            status = safetensors_read_i64(f, l, out->labels, (size_t)out->n);
        if (status)
            cli_error(command, "cannot read the input", status);
    }
    safetensors_close(f);
    if (status) {
        batch_file_free(out);
        return -1;
    }
    return 0;
}

void batch_file_free(batch_file *b)
{
    free(b->input);
    free(b->labels);
    b->input = NULL;
    b->labels = NULL;
}
