/* Fuzz target: the IDX (MNIST) reader, raw or gzip. The first two bytes give
 * the length L of the labels file; the next L bytes are it and the rest is
 * the images file. Every image is fetched. */
#include "data/dataset.h"

#include "fuzz_file.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t labels = (size_t)data[0] | (size_t)data[1] << 8;
    data += 2;
    size -= 2;
    if (labels > size)
        labels = size;
    fuzz_write_file("train-labels-idx1-ubyte", data, labels);
    fuzz_write_file("train-images-idx3-ubyte", data + labels, size - labels);
    dataset *ds = NULL;
    if (dataset_open(fuzz_dir(), "mnist", 1, &ds) == 0) {
        image_u8 img;
        image_init(&img);
        for (int64_t i = 0; i < dataset_count(ds) && i < 64; i++)
            (void)dataset_get(ds, i, &img);
        for (int i = 0; i < dataset_num_classes(ds); i++)
            (void)dataset_class_name(ds, i);
        image_free(&img);
    }
    dataset_free(ds);
    return 0;
}
