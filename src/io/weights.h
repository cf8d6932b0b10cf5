/* A net's state dict to and from safetensors (the public senet_net_load and
 * senet_net_save), plus saving with extra tensors beside the state dict. */
#ifndef SENET_IO_WEIGHTS_H
#define SENET_IO_WEIGHTS_H

#include "senet.h"
#include "safetensors.h"

/* The tensor of a checkpoint that holds the SGD momentum buffer (num_params). */
#define CHECKPOINT_MOMENTUM "optimizer.momentum_buffer"

int weights_save(const senet_net *net, const char *path, const st_write_entry *extra, int num_extra);
int weights_save_metadata(const senet_net *net, const char *path, const st_write_entry *extra, int num_extra,
                          const char *const *keys, const char *const *values, int num_metadata);
/* Strict state-dict load from an open file (extras of is_ignored_extra aside). */
int weights_load_from(senet_net *net, const safetensors_file *f);

#endif
