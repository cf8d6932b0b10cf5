/* Training progress: a redrawn bar on a terminal, one line every N steps
 * otherwise (logs, CI). */
#ifndef SENET_CLI_PROGRESS_H
#define SENET_CLI_PROGRESS_H

#include <stdint.h>

typedef struct progress {
    int tty;
    int64_t every;      /* non-terminal: print every this many steps */
    double started;     /* seconds, for the rate */
    int64_t images;     /* since started */
} progress;

double now_seconds(void);
void progress_init(progress *p, int64_t every);
/* One step done: epoch e of E, batch b of B. */
void progress_step(progress *p, int64_t epoch, int64_t epochs, int64_t batch, int64_t batches, int64_t step,
                   double loss, double lr, int images);
/* Ends the bar's line before other output. */
void progress_break(progress *p);

#endif
