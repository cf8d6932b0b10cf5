/* Class names: the built-in tables of senet_data.h, or a labels file (see class_names.h). */
#include "class_names.h"
#include "senet_data.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void class_names_free(class_names *c)
{
    if (c->owned) {
        for (int i = 0; i < c->count; i++)
            free(c->owned[i]);
        free(c->owned);
    }
    memset(c, 0, sizeof *c);
}

/* Appends one name, trimmed of surrounding blanks; blank lines add nothing. */
static int add_line(char *line, size_t len, char ***names, int *count, int *capacity)
{
    size_t start = 0;
    while (start < len && isspace((unsigned char)line[start]))
        start++;
    while (len > start && isspace((unsigned char)line[len - 1]))
        len--;
    if (len == start)
        return 0;
    if (*count == *capacity) {
        int cap = *capacity ? 2 * *capacity : 64;
        char **grown = realloc(*names, (size_t)cap * sizeof *grown);
        if (!grown)
            return -1;
        *names = grown;
        *capacity = cap;
    }
    char *name = malloc(len - start + 1);
    if (!name)
        return -1;
    memcpy(name, line + start, len - start);
    name[len - start] = '\0';
    (*names)[(*count)++] = name;
    return 0;
}

int class_names_load(const char *command, const char *path, int expected, class_names *out)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "senet %s: %s: cannot open the labels file: %s\n", command, path, strerror(errno));
        return 1;
    }
    char **names = NULL, *line = NULL;
    int count = 0, capacity = 0, nomem = 0;
    size_t line_cap = 0;
    ssize_t len;
    while (!nomem && (len = getline(&line, &line_cap, f)) >= 0)
        nomem = add_line(line, (size_t)len, &names, &count, &capacity) != 0;
    int read_error = ferror(f);
    free(line);
    fclose(f);
    out->count = count;
    out->owned = names;
    out->names = (const char *const *)names;
    const char *problem = nomem ? "out of memory" : read_error ? "read error" : NULL;
    if (problem) {
        fprintf(stderr, "senet %s: %s: cannot read the labels file: %s\n", command, path, problem);
    } else if (count != expected) {
        fprintf(stderr, "senet %s: %s: the labels file has %d name%s (non-blank lines), the net has %d classes\n",
                command, path, count, count == 1 ? "" : "s", expected);
        problem = "count";
    }
    if (problem) {
        class_names_free(out);
        return strcmp(problem, "count") == 0 ? 2 : 1;
    }
    return 0;
}

int class_names_for(const char *command, const char *labels_path, int num_classes, class_names *out)
{
    if (labels_path)
        return class_names_load(command, labels_path, num_classes, out);
    memset(out, 0, sizeof *out);
    out->count = num_classes;
    out->names = senet_class_names(num_classes);
    return 0;
}

const char *class_name(const class_names *c, int i, char *buf, int buf_size)
{
    if (c->names && i >= 0 && i < c->count)
        return c->names[i];
    snprintf(buf, (size_t)buf_size, "class %d", i);
    return buf;
}
