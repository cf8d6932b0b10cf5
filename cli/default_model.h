/* The default model that classify and eval use when no weights are given:
 * se_resnet20 trained on CIFAR-10 by senet itself (models/ in the repository). */
#ifndef SENET_CLI_DEFAULT_MODEL_H
#define SENET_CLI_DEFAULT_MODEL_H

#include <stddef.h>

#define DEFAULT_MODEL_ARCH "se_resnet20"
#define DEFAULT_MODEL_FILE "models/se_resnet20_cifar10.safetensors"

/* Looks in ./models and beside the executable (<bin>/../models, <bin>/models);
 * returns 0 and the path when found. */
int default_model_path(char *path, size_t size);

#endif
