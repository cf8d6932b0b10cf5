#include "data_check.h"
#include "args.h"
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAMED_BAD 10 /* bad images reported one by one; the rest are counted */

int data_check(const char *command, const char *which, const dataset *ds, int strict, dataset **view)
{
    *view = NULL;
    if (strcmp(dataset_format(ds), "folder") != 0)
        return 0;
    int64_t count = dataset_count(ds), bad = 0;
    int64_t *good = malloc((size_t)(count > 0 ? count : 1) * sizeof *good);
    if (!good) {
        cli_error(command, "cannot check the data", SENET_ERR_NOMEM);
        return -1;
    }
    image_u8 img;
    image_init(&img);
    double started = now_seconds(), shown = started;
    int64_t kept = 0;
    for (int64_t i = 0; i < count; i++) {
        if (dataset_get(ds, i, &img) == SENET_OK) {
            good[kept++] = i;
        } else if (++bad <= NAMED_BAD) {
            fprintf(stderr, "senet %s: %s image %lld is unreadable: %s\n", command, which, (long long)i,
                    senet_last_error());
        }
        double t = now_seconds();
        if (t - shown > 10) { /* long checks say how far they are */
            fprintf(stderr, "senet %s: checking the %s images: %lld of %lld\n", command, which, (long long)i + 1,
                    (long long)count);
            shown = t;
        }
    }
    image_free(&img);
    if (bad > NAMED_BAD)
        fprintf(stderr, "senet %s: ... and %lld more unreadable %s image%s\n", command, (long long)(bad - NAMED_BAD),
                which, bad - NAMED_BAD == 1 ? "" : "s");
    double seconds = now_seconds() - started;
    int status = 0;
    if (bad && strict) {
        fprintf(stderr, "senet %s: %lld of the %lld %s images %s unreadable (--strict-data): stopped before "
                        "training\n", command, (long long)bad, (long long)count, which, bad == 1 ? "is" : "are");
        status = -1;
    } else if (bad && kept == 0) {
        fprintf(stderr, "senet %s: none of the %lld %s images can be read\n", command, (long long)count, which);
        status = -1;
    } else if (bad) {
        int s = dataset_select(ds, good, kept, view);
        if (s) {
            cli_error(command, "cannot leave out the unreadable images", s);
            status = -1;
        } else {
            fprintf(stderr, "senet %s: %lld of the %lld %s images left out as unreadable (--strict-data to stop "
                            "instead); checked in %.1f s\n", command, (long long)bad, (long long)count, which, seconds);
        }
    }
    free(good);
    return status;
}
