/* Finding the bundled default model, in the source tree or installed. The
 * installed folder is found from the executable's own place (its path from
 * /proc/self/exe), so an install moved to another prefix still finds it. */
#define _DEFAULT_SOURCE
#include "default_model.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The installed models folder relative to the installed binary's (CMake's
 * file(RELATIVE_PATH) from bindir to datadir/senet/models). */
#ifndef SENET_MODELS_FROM_BIN
#define SENET_MODELS_FROM_BIN "../share/senet/models"
#endif

static int found(char *path, size_t size, const char *dir, const char *sep, const char *rest)
{
    int len = snprintf(path, size, "%s%s%s", dir, sep, rest);
    return len > 0 && (size_t)len < size && access(path, R_OK) == 0;
}

int default_model_path(char *path, size_t size)
{
    const char *env = getenv("SENET_MODELS_DIR");
    if (env && *env)
        return found(path, size, env, "/", DEFAULT_MODEL_NAME) ? 0 : -1;
    if (found(path, size, DEFAULT_MODEL_FILE, "", ""))
        return 0;
    char exe[4096];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len <= 0)
        return -1;
    exe[len] = '\0';
    const char *dir = dirname(exe);
    if (found(path, size, dir, "/../", DEFAULT_MODEL_FILE) || found(path, size, dir, "/", DEFAULT_MODEL_FILE))
        return 0;
    return found(path, size, dir, "/" SENET_MODELS_FROM_BIN "/", DEFAULT_MODEL_NAME) ? 0 : -1;
}

int default_model_fill(const char *command, const char **weights, char *buf, size_t size)
{
    if (*weights)
        return 0;
    if (default_model_path(buf, size)) {
        fprintf(stderr, "senet %s: no --weights given and no default model is available (%s was not found in "
                        DEFAULT_MODEL_PLACES "); pass --arch and --weights\n",
                command, DEFAULT_MODEL_NAME);
        return -1;
    }
    *weights = buf;
    return 0;
}
