/* The metrics log of `senet train`, read for senet plot (see plot.h).
 *
 * The log is JSON lines. "type": "step" lines give "epoch" (fractional),
 * "step", "loss"; "type": "epoch" lines give "epoch", "train_loss",
 * "train_top1", "test_loss", "test_top1", "test_top5" (accuracies in
 * percent). Missing fields, nulls and unknown keys or types are skipped. A
 * line that is not JSON is an error naming the log and the line, except an
 * unfinished last line (no newline), which a run still writing the log can
 * leave: it is skipped with a warning.
 * When steps go backwards (a run resumed from an earlier checkpoint appends
 * to the same log), the later records replace the earlier ones. A log may
 * be gzip-compressed (zlib reads plain files as they are). */
#include "plot.h"

#include "io/json.h"
#include "senet.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static int grow(void **items, size_t *cap, size_t count, size_t size)
{
    if (count < *cap)
        return 0;
    size_t n = *cap ? 2 * *cap : 256;
    void *p = realloc(*items, n * size);
    if (!p)
        return -1;
    *items = p;
    *cap = n;
    return 0;
}

/* A numeric member, or NAN when absent, null or not a number. */
static double number(const json_value *obj, const char *key)
{
    const json_value *v = json_object_get(obj, key);
    if (!v)
        return NAN;
    if (v->type == JSON_INT)
        return (double)v->u.integer;
    if (v->type == JSON_NUMBER)
        return strtod(v->u.str.text, NULL);
    return NAN;
}

static int has(const json_value *obj, const char *key)
{
    return !isnan(number(obj, key));
}

/* Adds the record of one parsed line. Unknown types are ignored; a line
 * without "type" is an epoch line when it has epoch metrics, else a step
 * line when it has a loss. */
static int add_record(metrics *m, const json_value *obj)
{
    const json_value *type = json_object_get(obj, "type");
    const char *t = type && type->type == JSON_STRING ? type->u.str.text : NULL;
    if (!t) {
        if (has(obj, "train_loss") || has(obj, "test_loss") || has(obj, "train_top1") || has(obj, "test_top1"))
            t = "epoch";
        else if (has(obj, "loss"))
            t = "step";
        else
            return 0;
    }
    if (strcmp(t, "step") == 0) {
        step_rec r = {number(obj, "epoch"), number(obj, "step"), number(obj, "loss")};
        if (isnan(r.epoch) || isnan(r.loss))
            return 0;
        double key = isnan(r.step) ? r.epoch : r.step;
        while (m->num_steps) { /* a resumed run supersedes what it repeats */
            const step_rec *last = &m->steps[m->num_steps - 1];
            if ((isnan(last->step) ? last->epoch : last->step) < key)
                break;
            m->num_steps--;
        }
        if (grow((void **)&m->steps, &m->cap_steps, m->num_steps, sizeof *m->steps))
            return -1;
        m->steps[m->num_steps++] = r;
    } else if (strcmp(t, "epoch") == 0) {
        epoch_rec r = {number(obj, "epoch"),     number(obj, "train_loss"), number(obj, "train_top1"),
                       number(obj, "test_loss"), number(obj, "test_top1"),  number(obj, "test_top5")};
        if (isnan(r.epoch))
            return 0;
        while (m->num_epochs && m->epochs[m->num_epochs - 1].epoch >= r.epoch)
            m->num_epochs--;
        if (grow((void **)&m->epochs, &m->cap_epochs, m->num_epochs, sizeof *m->epochs))
            return -1;
        m->epochs[m->num_epochs++] = r;
    }
    return 0;
}

/* The next line of F into *line (grown as needed), with its newline if it
 * has one; its length, or -1 at the end or on an error (*failed then set). */
static long next_line(gzFile f, char **line, size_t *cap, int *failed)
{
    size_t len = 0;
    for (;;) {
        if (*cap - len < 2) {
            size_t n = *cap ? 2 * *cap : 256;
            char *p = realloc(*line, n);
            if (!p) {
                *failed = 1;
                return -1;
            }
            *line = p;
            *cap = n;
        }
        if (!gzgets(f, *line + len, (int)(*cap - len > 1 << 20 ? 1 << 20 : *cap - len))) {
            int code;
            gzerror(f, &code);
            *failed = code != Z_OK && code != Z_BUF_ERROR;
            return len ? (long)len : -1;
        }
        len += strlen(*line + len);
        if (len && (*line)[len - 1] == '\n')
            return (long)len;
    }
}

int plot_read_log(const char *path, metrics *m)
{
    gzFile f = gzopen(path, "rb");
    if (!f) {
        fprintf(stderr, "senet plot: %s: cannot open: %s\n", path, errno ? strerror(errno) : "out of memory");
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    long len;
    long number_of_line = 0;
    int rc = 0, failed = 0, records = 0;
    while (rc == 0 && (len = next_line(f, &line, &cap, &failed)) >= 0) {
        number_of_line++;
        int complete = len > 0 && line[len - 1] == '\n';
        size_t n = (size_t)len;
        while (n && isspace((unsigned char)line[n - 1]))
            n--;
        size_t start = 0;
        while (start < n && isspace((unsigned char)line[start]))
            start++;
        if (start == n)
            continue;
        char source[64];
        snprintf(source, sizeof source, "line %ld", number_of_line);
        json_doc *doc = NULL;
        if (json_parse(line + start, n - start, source, &doc)) {
            if (!records && line[start] != '{') { /* say what the file is not, not what its bytes parse to */
                fprintf(stderr, "senet plot: %s: not a training log (one JSON object a line, as senet train writes)\n",
                        path);
                rc = -1;
                break;
            }
            if (!complete && !failed) { /* only the last line can lack its newline */
                fprintf(stderr, "senet plot: %s: skipping the unfinished last line %ld\n", path, number_of_line);
                break;
            }
            fprintf(stderr, "senet plot: %s: malformed line: %s\n", path, senet_last_error());
            rc = -1;
            break;
        }
        const json_value *root = json_root(doc);
        if (root->type != JSON_OBJECT) {
            fprintf(stderr, "senet plot: %s: line %ld: expected a JSON object per line\n", path, number_of_line);
            rc = -1;
        } else if (add_record(m, root)) {
            fprintf(stderr, "senet plot: out of memory\n");
            rc = -1;
        }
        records++;
        json_free(doc);
    }
    if (rc == 0 && failed) {
        int code;
        const char *why = gzerror(f, &code);
        fprintf(stderr, "senet plot: %s: read error: %s\n", path, code == Z_ERRNO ? strerror(errno) : why);
        rc = -1;
    }
    free(line);
    gzclose(f);
    return rc;
}

void plot_metrics_free(metrics *m)
{
    free(m->steps);
    free(m->epochs);
    memset(m, 0, sizeof *m);
}
