/* Finding the bundled default model. */
#define _DEFAULT_SOURCE
#include "default_model.h"

#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int exists(const char *path) { return access(path, R_OK) == 0; }

int default_model_path(char *path, size_t size)
{
    if (exists(DEFAULT_MODEL_FILE)) {
        snprintf(path, size, "%s", DEFAULT_MODEL_FILE);
        return 0;
    }
    char exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0)
        return -1;
    exe[len] = '\0';
    const char *dir = dirname(exe);
    const char *prefixes[] = {"/../", "/"};
    for (int i = 0; i < 2; i++) {
        snprintf(path, size, "%s%s%s", dir, prefixes[i], DEFAULT_MODEL_FILE);
        if (exists(path))
            return 0;
    }
    return -1;
}
