/* What a model file says about itself: the safetensors "__metadata__" that
 * every file senet writes carries (the net's configuration, plus entries a
 * caller attached with senet_net_set_metadata), and reading it back into a
 * senet_model_info. The keys are listed in README "Model files". */
#ifndef SENET_IO_MODEL_META_H
#define SENET_IO_MODEL_META_H

#include "senet.h"
#include "safetensors.h"

/* The most entries a net may carry beside its configuration. */
#define MODEL_META_MAX_EXTRA 32

typedef struct model_meta_list {
    const char *keys[64];
    const char *values[64];
    int count;
    char text[10][48]; /* the configuration's values as text */
} model_meta_list;

/* The net's configuration keys, senet_version, then its attached entries
 * whose keys are not among skip[0..num_skip) (the caller's own keys). */
void model_meta_collect(const senet_net *net, const char *const *skip, int num_skip, model_meta_list *out);

/* Parses an open file's metadata; SENET_ERR_FORMAT naming the key for a bad value. */
int model_meta_parse(const safetensors_file *f, senet_model_info *info);

/* A file's attached entries (its keys that are not reserved, the first
 * MODEL_META_MAX_EXTRA of them), copied so that a load can take them over
 * once its weights are in: prepare may fail (memory), commit cannot. */
typedef struct model_meta_staged {
    char **keys, **values;
    int count;
} model_meta_staged;
int model_meta_stage(const safetensors_file *f, model_meta_staged *out);
void model_meta_commit(senet_net *net, model_meta_staged *staged); /* the net's entries become the file's */
void model_meta_staged_free(model_meta_staged *staged);

/* senet_net_set_metadata's body (the flag held by net_calls.c). */
int net_set_metadata(senet_net *net, const char *key, const char *value);
void net_metadata_free(senet_net *net);

#endif
