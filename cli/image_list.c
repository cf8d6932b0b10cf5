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

/* Folders deeper than this are not entered (a guard against bind-mount loops). */
#define MAX_DEPTH 64

/* The images of folder DIR (and, when recursive, of its subfolders that are
 * not hidden and not symbolic links, so a link loop cannot recur) onto L. */
static int add_folder(image_list *l, const char *command, const char *dir_path, int recursive, int depth)
{
    DIR *dir = opendir(dir_path);
    if (!dir) {
        fprintf(stderr, "senet %s: %s: cannot read the folder: %s\n", command, dir_path, strerror(errno));
        return -1;
    }
    int status = 0;
    size_t len = strlen(dir_path);
    const char *sep = len && dir_path[len - 1] == '/' ? "" : "/";
    struct dirent *e;
    while (!status && (e = readdir(dir))) {
        int image = dataset_is_image_name(e->d_name);
        if (!image && (!recursive || e->d_name[0] == '.'))
            continue;
        size_t size = len + strlen(sep) + strlen(e->d_name) + 1;
        char *path = malloc(size);
        if (!path) {
            fprintf(stderr, "senet %s: out of memory\n", command);
            status = -1;
            break;
        }
        snprintf(path, size, "%s%s%s", dir_path, sep, e->d_name);
        struct stat st;
        if (!image) { /* a subfolder to enter, or anything else to pass over */
            if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && depth < MAX_DEPTH)
                status = add_folder(l, command, path, recursive, depth + 1);
            free(path);
        } else if (push(l, path)) {
            fprintf(stderr, "senet %s: out of memory\n", command);
            status = -1;
        }
    }
    closedir(dir);
    return status;
}

int image_list_add(image_list *l, const char *command, const char *arg, int recursive)
{
    struct stat st;
    if (stat(arg, &st) != 0 || !S_ISDIR(st.st_mode)) /* a file, or a path the decoder will report */
        return push(l, strdup(arg)) ? (fprintf(stderr, "senet %s: out of memory\n", command), -1) : 0;
    int first = l->count, status = add_folder(l, command, arg, recursive, 0);
    if (!status && l->count == first) {
        fprintf(stderr, "senet %s: %s: no .jpg, .jpeg or .png images in the folder%s\n", command, arg,
                recursive ? " or below it" : "");
        status = -1;
    }
    /* sorted as whole paths: a subfolder's images stand together, in order */
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
