/* The options of a training run that change its result, as a record that
 * goes into every checkpoint (metadata "train_options", a JSON object of
 * strings) and into the first line of log.jsonl, so that a resumed run can
 * be checked against the run it continues. */
#ifndef SENET_CLI_RUN_RECORD_H
#define SENET_CLI_RUN_RECORD_H

#include <stddef.h>

#define RUN_RECORD_MAX 40

typedef struct run_record {
    const char *names[RUN_RECORD_MAX];
    char values[RUN_RECORD_MAX][192];
    const char *absent[RUN_RECORD_MAX]; /* the value a record without the name had; NULL: none */
    int count;
} run_record;

/* Appends NAME = printf(FMT, ...). */
void run_record_add(run_record *r, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* run_record_add for an option newer than some records: a record without
 * NAME is of a run that had the value ABSENT (a checkpoint written before
 * fine-tuning existed did not fine-tune). */
void run_record_add_since(run_record *r, const char *name, const char *absent, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The record as one JSON object {"name": "value", ...}; malloc'ed, NULL
 * when out of memory. */
char *run_record_json(const run_record *r);

/* Compares NOW with the record a checkpoint holds (RECORDED, its JSON).
 * "epochs" may grow when extend is set (*extended_from gets the old
 * count), and so may what the schedule derives from it (derived: names,
 * NULL-terminated, that then may differ). Prints each difference as
 * "  --NAME: OLD in the checkpoint, NEW now" to stderr; returns the number
 * of differences not allowed, or -1 when RECORDED cannot be read. */
int run_record_compare(const char *command, const run_record *now, const char *recorded, int extend,
                       const char *const *derived, long *extended_from);

#endif
