/* Fuzz target: checkpoint loading into a CIFAR SE-ResNet-20 (metadata,
 * configuration, momentum buffer and the strict state-dict load). */
#include "senet.h"

#include "fuzz_file.h"

#include <stdint.h>
#include <stdlib.h>

static senet_net *net;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!net) {
        senet_config cfg;
        senet_set_threads(1);
        if (senet_config_default("se_resnet20", &cfg) || senet_net_create(&cfg, &net) || senet_net_init(net, 1))
            abort();
    }
    const char *path = fuzz_write_file("checkpoint.safetensors", data, size);
    senet_checkpoint_info info;
    (void)senet_checkpoint_load(net, path, &info);
    return 0;
}
