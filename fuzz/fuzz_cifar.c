/* Fuzz target: the CIFAR binary reader. The first byte picks CIFAR-10 or
 * CIFAR-100 (train.bin); the rest is the file. Every record is fetched. */
#include "data/dataset.h"

#include "fuzz_file.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int cifar100 = data[0] & 1;
    const char *path = fuzz_write_file(cifar100 ? "train.bin" : "test_batch.bin", data + 1, size - 1);
    dataset *ds = NULL;
    if (dataset_open(path, NULL, 1, &ds) == 0) {
        image_u8 img;
        image_init(&img);
        for (int64_t i = 0; i < dataset_count(ds); i++)
            (void)dataset_get(ds, i, &img);
        image_free(&img);
    }
    dataset_free(ds);
    return 0;
}
