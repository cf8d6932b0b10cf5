/* The image-folder reader (the ImageNet layout).
 *
 * ROOT/<class>/<image> with ROOT = PATH/train or PATH/test (PATH/val when
 * there is no test/), or PATH itself when it has no split folders. Classes
 * are the subfolders in sorted byte order (as Python's sorted() orders
 * names, so labels match torchvision's ImageFolder), images the .jpg,
 * .jpeg and .png files of each (any case) in sorted order; hidden entries
 * are skipped and subfolders of a class are not searched. An empty class is
 * an error rather than a silent gap in the labels. Opening only lists the
 * files; dataset_get decodes one. */
#include "dataset_internal.h"

#include "../base/status.h"
#include "decode.h"
#include "file_read.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

typedef struct folder {
    char *pool;        /* every image path, NUL-terminated, back to back */
    size_t pool_len, pool_cap;
    size_t *offsets;   /* (count) where each path starts in pool */
    int *labels;       /* (count) */
    int64_t count, cap;
} folder;

typedef struct name_list {
    char **names;
    size_t n, cap;
} name_list;

static void names_free(name_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->names[i]);
    free(l->names);
    l->names = NULL;
    l->n = l->cap = 0;
}

static int names_add(name_list *l, const char *name)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        char **p = realloc(l->names, cap * sizeof *p);
        if (!p)
            return senet_fail(SENET_ERR_NOMEM, "out of memory listing a folder");
        l->names = p;
        l->cap = cap;
    }
    if (!(l->names[l->n] = strdup(name)))
        return senet_fail(SENET_ERR_NOMEM, "out of memory listing a folder");
    l->n++;
    return SENET_OK;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int dataset_is_image_name(const char *name)
{
    const char *dot = strrchr(name, '.');
    return name[0] != '.' &&
           dot && (strcasecmp(dot, ".jpg") == 0 || strcasecmp(dot, ".jpeg") == 0 || strcasecmp(dot, ".png") == 0);
}

/* 1 for a folder, 0 for a regular file, -1 for anything else. */
static int entry_kind(const char *dir, const struct dirent *e)
{
#ifdef DT_DIR
    if (e->d_type == DT_DIR)
        return 1;
    if (e->d_type == DT_REG)
        return 0;
#endif
    char *p = path_join(dir, e->d_name);
    struct stat st;
    int kind = p && stat(p, &st) == 0 ? (S_ISDIR(st.st_mode) ? 1 : S_ISREG(st.st_mode) ? 0 : -1) : -1;
    free(p);
    return kind;
}

/* The subfolders (want_dirs) or image files of DIR, sorted. */
static int list_dir(const char *dir, int want_dirs, name_list *out)
{
    DIR *d = opendir(dir);
    if (!d)
        return senet_fail(SENET_ERR_IO, "%s: cannot list: %s", dir, strerror(errno));
    int status = SENET_OK;
    struct dirent *e;
    while (status == SENET_OK && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (!want_dirs && !dataset_is_image_name(e->d_name))
            continue;
        if (entry_kind(dir, e) == (want_dirs ? 1 : 0))
            status = names_add(out, e->d_name);
    }
    closedir(d);
    if (status == SENET_OK && out->n > 1)
        qsort(out->names, out->n, sizeof *out->names, compare_names);
    return status;
}

static int add_image(folder *f, const char *dir, const char *name, int label)
{
    size_t need = strlen(dir) + 1 + strlen(name) + 1;
    if (f->pool_len + need > f->pool_cap) {
        size_t cap = f->pool_cap ? 2 * f->pool_cap : 1u << 16;
        while (cap < f->pool_len + need)
            cap *= 2;
        char *p = realloc(f->pool, cap);
        if (!p)
            return senet_fail(SENET_ERR_NOMEM, "out of memory listing images");
        f->pool = p;
        f->pool_cap = cap;
    }
    if (f->count == f->cap) {
        int64_t cap = f->cap ? 2 * f->cap : 1024;
        size_t *o = realloc(f->offsets, (size_t)cap * sizeof *o);
        if (o)
            f->offsets = o;
        int *l = o ? realloc(f->labels, (size_t)cap * sizeof *l) : NULL;
        if (!l)
            return senet_fail(SENET_ERR_NOMEM, "out of memory listing images");
        f->labels = l;
        f->cap = cap;
    }
    f->offsets[f->count] = f->pool_len;
    f->labels[f->count] = label;
    f->count++;
    char *dst = f->pool + f->pool_len;
    size_t a = strlen(dir);
    memcpy(dst, dir, a);
    dst[a] = '/';
    strcpy(dst + a + 1, name);
    f->pool_len += need;
    return SENET_OK;
}

static void folder_release(void *impl)
{
    folder *f = impl;
    if (f) {
        free(f->pool);
        free(f->offsets);
        free(f->labels);
    }
    free(f);
}

static int folder_label(const dataset *ds, int64_t index) { return ((const folder *)ds->impl)->labels[index]; }

static const char *folder_path(const dataset *ds, int64_t index)
{
    const folder *f = ds->impl;
    return f->pool + f->offsets[index];
}

static int folder_get(const dataset *ds, int64_t index, image_u8 *out)
{
    const folder *f = ds->impl;
    TRY(image_decode_file(f->pool + f->offsets[index], out));
    out->label = f->labels[index];
    return SENET_OK;
}

/* The folder that holds the classes of the split (to free). */
static int split_root(const char *path, int train, char **root)
{
    char *tr = path_join(path, "train"), *te = path_join(path, "test"), *va = path_join(path, "val");
    int status = SENET_OK;
    *root = NULL;
    if (!tr || !te || !va) {
        status = senet_fail(SENET_ERR_NOMEM, "out of memory");
    } else if (!file_is_dir(path)) {
        status = senet_fail(SENET_ERR_IO, "%s: not a folder", path);
    } else if (train && file_is_dir(tr)) {
        *root = tr, tr = NULL;
    } else if (!train && file_is_dir(te)) {
        *root = te, te = NULL;
    } else if (!train && file_is_dir(va)) {
        *root = va, va = NULL;
    } else if (file_is_dir(tr) || file_is_dir(te) || file_is_dir(va)) {
        status = senet_fail(SENET_ERR_IO, "%s: has split folders but no %s", path, train ? "train/" : "test/ or val/");
    } else if (!(*root = strdup(path))) {
        status = senet_fail(SENET_ERR_NOMEM, "out of memory");
    }
    free(tr);
    free(te);
    free(va);
    return status;
}

static int scan(dataset *ds, folder *f, const char *root)
{
    name_list classes = {0}, files = {0};
    int status = list_dir(root, 1, &classes);
    if (status == SENET_OK && classes.n == 0)
        status = senet_fail(SENET_ERR_ARGUMENT,
                            "%s: no class folders (nor CIFAR .bin or MNIST IDX files): not a dataset this reads", root);
    if (status == SENET_OK && classes.n > 1000000)
        status = senet_fail(SENET_ERR_FORMAT, "%s: %zu class folders is too many", root, classes.n);
    for (size_t c = 0; status == SENET_OK && c < classes.n; c++) {
        char *dir = path_join(root, classes.names[c]);
        if (!dir) {
            status = senet_fail(SENET_ERR_NOMEM, "out of memory");
            break;
        }
        status = list_dir(dir, 0, &files);
        if (status == SENET_OK && files.n == 0)
            status = senet_fail(SENET_ERR_FORMAT, "%s: class folder without .jpg, .jpeg or .png images", dir);
        for (size_t i = 0; status == SENET_OK && i < files.n; i++)
            status = add_image(f, dir, files.names[i], (int)c);
        names_free(&files);
        free(dir);
    }
    if (status == SENET_OK) {
        status = dataset_set_class_names(ds, (const char *const *)classes.names, (int)classes.n);
        ds->count = f->count;
    }
    names_free(&classes);
    return status;
}

int folder_open(dataset *ds, const char *path, int train)
{
    folder *f = calloc(1, sizeof *f);
    if (!f)
        return senet_fail(SENET_ERR_NOMEM, "out of memory");
    ds->impl = f;
    ds->release = folder_release;
    ds->get = folder_get;
    ds->label = folder_label;
    ds->path = folder_path;
    ds->h = ds->w = 0;
    char *root;
    TRY(split_root(path, train, &root));
    ds->unsplit = strcmp(root, path) == 0;
    int status = scan(ds, f, root);
    free(root);
    return status;
}
