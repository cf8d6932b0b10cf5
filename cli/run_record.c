/* A training run's options as a record (see run_record.h). */
#include "run_record.h"

#include "io/json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add(run_record *r, const char *name, const char *absent, const char *fmt, va_list ap)
{
    if (r->count >= RUN_RECORD_MAX)
        return;
    vsnprintf(r->values[r->count], sizeof r->values[r->count], fmt, ap);
    r->absent[r->count] = absent;
    r->names[r->count++] = name;
}

void run_record_add(run_record *r, const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add(r, name, NULL, fmt, ap);
    va_end(ap);
}

void run_record_add_since(run_record *r, const char *name, const char *absent, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add(r, name, absent, fmt, ap);
    va_end(ap);
}

char *run_record_json(const run_record *r)
{
    json_buf b = {0};
    json_buf_puts(&b, "{");
    for (int i = 0; i < r->count; i++) {
        json_buf_puts(&b, i ? ", " : "");
        json_buf_string(&b, r->names[i], strlen(r->names[i]));
        json_buf_puts(&b, ": ");
        json_buf_string(&b, r->values[i], strlen(r->values[i]));
    }
    json_buf_puts(&b, "}");
    json_buf_append(&b, "", 1); /* the NUL */
    if (json_buf_failed(&b)) {
        json_buf_free(&b);
        return NULL;
    }
    return b.data;
}

static int is_listed(const char *name, const char *const *names)
{
    for (int i = 0; names && names[i]; i++)
        if (strcmp(name, names[i]) == 0)
            return 1;
    return 0;
}

int run_record_compare(const char *command, const run_record *now, const char *recorded, int extend,
                       const char *const *derived, long *extended_from)
{
    json_doc *doc = NULL;
    if (json_parse(recorded, strlen(recorded), "train_options", &doc))
        return -1;
    const json_value *root = json_root(doc);
    if (root->type != JSON_OBJECT) {
        json_free(doc);
        return -1;
    }
    int refused = 0;
    *extended_from = 0;
    for (int i = 0; i < now->count; i++) {
        const json_value *v = json_object_get(root, now->names[i]);
        const char *old = v && v->type == JSON_STRING ? v->u.str.text
                        : !v && now->absent[i]                ? now->absent[i]
                                                              : "(not recorded)";
        if (strcmp(old, now->values[i]) == 0)
            continue;
        int allowed = 0;
        if (strcmp(now->names[i], "epochs") == 0 && extend && atol(now->values[i]) > atol(old)) {
            allowed = 1;
            *extended_from = atol(old);
        } else if (extend && is_listed(now->names[i], derived)) {
            allowed = 1;
        }
        fprintf(stderr, "  --%s: %s in the checkpoint, %s now%s\n", now->names[i], old, now->values[i],
                allowed ? " (--extend)" : "");
        refused += !allowed;
    }
    (void)command;
    json_free(doc);
    return refused;
}
