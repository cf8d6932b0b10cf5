/* The per-image records of senet eval --predictions (predictions.h). The
 * file is written under a temporary name and renamed when the evaluation
 * has finished, so a failed run leaves no half file under the name asked. */
#include "predictions.h"

#include "base/status.h"
#include "ops/softmax.h"
#include "plot_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { TOP = 5 };

int predictions_open(predictions *p, const char *path, const dataset *ds)
{
    memset(p, 0, sizeof *p);
    p->csv = path_ends_with(path, ".csv");
    if (!p->csv && !path_ends_with(path, ".jsonl")) {
        fprintf(stderr, "senet eval: --predictions %s: the file must end in .jsonl or .csv\n", path);
        return -1;
    }
    size_t size = strlen(path) + 8;
    p->tmp_path = malloc(size);
    if (!p->tmp_path) {
        fprintf(stderr, "senet eval: out of memory\n");
        return -1;
    }
    snprintf(p->tmp_path, size, "%s.part", path);
    p->out = fopen(p->tmp_path, "w");
    if (!p->out) {
        fprintf(stderr, "senet eval: --predictions %s: cannot create: %s\n", path, strerror(errno));
        free(p->tmp_path);
        p->tmp_path = NULL;
        return -1;
    }
    p->path = path, p->ds = ds;
    if (p->csv) {
        fputs("index,path,label,prediction", p->out);
        for (int t = 1; t <= TOP; t++)
            fprintf(p->out, ",top%d,p%d", t, t);
        fputc('\n', p->out);
    }
    return 0;
}

/* TEXT as a JSON string, or as a CSV field (quoted when it has to be). */
static void put_text(FILE *out, const char *text, int csv)
{
    if (csv && !strpbrk(text, ",\"\n\r")) {
        fputs(text, out);
        return;
    }
    fputc('"', out);
    for (const char *c = text; *c; c++) {
        if (csv) {
            if (*c == '"') /* CSV doubles a quote */
                fputc('"', out);
            fputc(*c, out);
        } else if (*c == '"' || *c == '\\')
            fprintf(out, "\\%c", *c);
        else if ((unsigned char)*c < 0x20)
            fprintf(out, "\\u%04x", *c);
        else
            fputc(*c, out);
    }
    fputc('"', out);
}

int predictions_add(void *ctx, int64_t index, int64_t label, const float *logits, int classes)
{
    predictions *p = ctx;
    double probs[classes];
    int best[TOP], top = classes < TOP ? classes : TOP;
    softmax_probs(logits, classes, probs);
    top_k_indices(probs, classes, top, best);
    const char *file = dataset_image_path(p->ds, index);
    const char *truth = dataset_class_name(p->ds, (int)label), *guess = dataset_class_name(p->ds, best[0]);
    if (p->csv) {
        fprintf(p->out, "%lld,", (long long)index);
        put_text(p->out, file ? file : "", 1);
        fputc(',', p->out);
        put_text(p->out, truth ? truth : "", 1);
        fputc(',', p->out);
        put_text(p->out, guess ? guess : "", 1);
        for (int t = 0; t < TOP; t++) {
            fputc(',', p->out);
            if (t < top)
                put_text(p->out, dataset_class_name(p->ds, best[t]), 1);
            fputc(',', p->out);
            if (t < top)
                fprintf(p->out, "%.6g", probs[best[t]]);
        }
        fputc('\n', p->out);
    } else {
        fprintf(p->out, "{\"index\": %lld, \"path\": ", (long long)index);
        if (file)
            put_text(p->out, file, 0);
        else
            fputs("null", p->out);
        fprintf(p->out, ", \"label\": %lld, \"label_name\": ", (long long)label);
        put_text(p->out, truth ? truth : "", 0);
        fprintf(p->out, ", \"prediction\": %d, \"prediction_name\": ", best[0]);
        put_text(p->out, guess ? guess : "", 0);
        fputs(", \"top\": [", p->out);
        for (int t = 0; t < top; t++) {
            fprintf(p->out, "%s{\"index\": %d, \"class\": ", t ? ", " : "", best[t]);
            put_text(p->out, dataset_class_name(p->ds, best[t]), 0);
            fprintf(p->out, ", \"probability\": %.6g}", probs[best[t]]);
        }
        fputs("]}\n", p->out);
    }
    return ferror(p->out) ? senet_fail(SENET_ERR_IO, "%s: write failed", p->tmp_path) : SENET_OK;
}

int predictions_close(predictions *p, int keep)
{
    if (!p->out)
        return 0;
    int failed = ferror(p->out) | (fclose(p->out) != 0);
    p->out = NULL;
    if (keep && !failed && rename(p->tmp_path, p->path) != 0)
        failed = 1;
    if (failed || !keep)
        remove(p->tmp_path);
    if (failed && keep)
        fprintf(stderr, "senet eval: --predictions %s: cannot write: %s\n", p->path, strerror(errno));
    free(p->tmp_path);
    p->tmp_path = NULL;
    return failed && keep ? -1 : 0;
}
