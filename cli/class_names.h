/* Class names for the classifier's outputs: the ImageNet-1k names for
 * 1000-class nets, CIFAR-10's for 10 and CIFAR-100's for 100 classes, or a
 * labels file (one name per line) for any net. */
#ifndef SENET_CLI_CLASS_NAMES_H
#define SENET_CLI_CLASS_NAMES_H

typedef struct class_names {
    int count;
    const char *const *names; /* (count), index = class */
    char **owned;             /* the lines of a labels file, or NULL for the built-in tables */
} class_names;

/* Reads a labels file: one name per line, surrounding blanks and a CR
 * stripped, blank lines skipped. The count must be `expected`. Prints an
 * error naming the file ("senet COMMAND: FILE: ...") and returns the exit
 * status: 1 when the file cannot be read, 2 when its count is wrong. */
int class_names_load(const char *command, const char *path, int expected, class_names *out);

/* Fills out for a net of num_classes: from labels_path when not NULL,
 * else the built-in names, else names of the form "class 17". Returns 0 or,
 * after printing an error, class_names_load's exit status. */
int class_names_for(const char *command, const char *labels_path, int num_classes, class_names *out);

/* The name of class i ("class I" when the table has none; buf holds it). */
const char *class_name(const class_names *c, int i, char *buf, int buf_size);

void class_names_free(class_names *c);

#endif
