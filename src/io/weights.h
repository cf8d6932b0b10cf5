/* A net's state dict to and from safetensors (the public senet_net_load and
 * senet_net_save), plus saving with extra tensors beside the state dict. */
#ifndef SENET_IO_WEIGHTS_H
#define SENET_IO_WEIGHTS_H

#include "senet.h"
#include "safetensors.h"

int weights_save(const senet_net *net, const char *path, const st_write_entry *extra, int num_extra);

#endif
