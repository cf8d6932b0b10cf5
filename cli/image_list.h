/* The images senet classify is given: files as named, and folders read for
 * their JPEG and PNG files (.jpg, .jpeg, .png in any case; not hidden; in
 * subfolders too with --recursive, not through symbolic links), in sorted
 * order of their paths. */
#ifndef SENET_CLI_IMAGE_LIST_H
#define SENET_CLI_IMAGE_LIST_H

typedef struct image_list {
    char **paths; /* (count), owned */
    int count, cap;
} image_list;

/* Appends ARG, or the images of folder ARG (and of its subfolders when
 * recursive). Returns 0, or -1 after printing a message naming the folder
 * (an unreadable folder, one without images, no memory). */
int image_list_add(image_list *l, const char *command, const char *arg, int recursive);
void image_list_free(image_list *l);

#endif
