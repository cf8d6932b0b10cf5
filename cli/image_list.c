/* See image_list.h. */
#include "image_list.h"

#include "data/dataset.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int push(image_list *l, char *path)
{
    if (!path)
        return -1;
    if (l->count == l->cap) {
        int cap = l->cap ? 2 * l->cap : 16;
        char **p = realloc(l->paths, (size_t)cap * sizeof *p);
        if (!p) {
            free(path);
            return -1;
        }
        l->paths = p;
        l->cap = cap;
    }
    l->paths[l->count++] = path;
    return 0;
}

static int compare_paths(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int image_list_add(image_list *l, const char *command, const char *arg)
{
    struct stat st;
    if (stat(arg, &st) != 0 || !S_ISDIR(st.st_mode)) /* a file, or a path the decoder will report */
        return push(l, strdup(arg)) ? (fprintf(stderr, "senet %s: out of memory\n", command), -1) : 0;
    DIR *dir = opendir(arg);
    if (!dir) {
        fprintf(stderr, "senet %s: %s: cannot read the folder: %s\n", command, arg, strerror(errno));
        return -1;
    }
    int first = l->count, status = 0;
    size_t len = strlen(arg);
    const char *sep = len && arg[len - 1] == '/' ? "" : "/";
    struct dirent *e;
    while (!status && (e = readdir(dir))) {
        if (!dataset_is_image_name(e->d_name))
            continue;
        size_t size = len + strlen(sep) + strlen(e->d_name) + 1;
        char *path = malloc(size);
        if (path)
            snprintf(path, size, "%s%s%s", arg, sep, e->d_name);
        if (push(l, path)) {
            fprintf(stderr, "senet %s: out of memory\n", command);
            status = -1;
        }
    }
    closedir(dir);
    if (!status && l->count == first) {
        fprintf(stderr, "senet %s: %s: no .jpg, .jpeg or .png images in the folder\n", command, arg);
        status = -1;
    }
    qsort(l->paths + first, (size_t)(l->count - first), sizeof *l->paths, compare_paths);
    return status;
}

void image_list_free(image_list *l)
{
    for (int i = 0; i < l->count; i++)
        free(l->paths[i]);
    free(l->paths);
    l->paths = NULL;
    l->count = l->cap = 0;
}
