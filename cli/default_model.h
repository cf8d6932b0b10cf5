/* The default model that classify and eval use when no weights are given:
 * se_resnet20 trained on CIFAR-10 by senet itself (models/ in the repository,
 * share/senet/models/ once installed). */
#ifndef SENET_CLI_DEFAULT_MODEL_H
#define SENET_CLI_DEFAULT_MODEL_H

#include <stddef.h>

#define DEFAULT_MODEL_ARCH "se_resnet20"
#define DEFAULT_MODEL_NAME "se_resnet20_cifar10.safetensors"
#define DEFAULT_MODEL_FILE "models/" DEFAULT_MODEL_NAME
/* Where default_model_path looks, for messages. */
#define DEFAULT_MODEL_PLACES "$SENET_MODELS_DIR if set, else ./models, the source tree's models/ beside the build " \
                             "folder, and the install prefix's share/senet/models"

/* The folder $SENET_MODELS_DIR when it is set (and then only there); else
 * ./models, then beside the executable: <bin>/../models and <bin>/models
 * (the source tree's, from a build folder inside it), then the installed
 * <bin>/../share/senet/models. Returns 0 and the path when found. */
int default_model_path(char *path, size_t size);

/* For a command run without --weights: *weights becomes the default model
 * (its path in buf; its metadata says its architecture). 0, or -1 with a
 * message naming where it was looked for. */
int default_model_fill(const char *command, const char **weights, char *buf, size_t size);

#endif
